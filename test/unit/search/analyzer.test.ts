import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextAnalyzer } from '../../../src/search/analyzer.js';
import { foldText } from '../../../src/search/fold-text.js';
import { SearchIndex } from '../../../src/search/index.js';
import { cjkKey, normalizeTerm } from '../../../src/search/normalize-term.js';

const analyzer = new TextAnalyzer();
const ids = (index: SearchIndex, q: string) => index.query(q, { k: 50 }).hits.slice(0, index.query(q, { k: 50 }).total).map((h) => h.id).sort();

describe('TextAnalyzer: any language, the same on both sides', () => {
  it('a Chinese query written inside a longer run matches it: every query term is an index term of the title', () => {
    // Characters from a small alphabet, so runs repeat and overlap the way product titles do.
    const han = fc.constantFrom(...'蓝牙耳机无线主动降噪保温杯空气炸锅手机壳充电宝');
    fc.assert(
      fc.property(fc.array(han, { minLength: 2, maxLength: 30 }), fc.nat(), fc.nat(), (chars, a, b) => {
        const title = chars.join('');
        const start = a % (chars.length - 1);
        const end = start + 2 + (b % (chars.length - start - 1));
        const indexed = new Set(analyzer.indexTerms(`品牌 ${title} 2024款`));
        for (const term of analyzer.queryTerms(chars.slice(start, end).join(''))) expect(indexed.has(term)).toBe(true);
      }),
    );
  });

  it('a one-character query starts an index term wherever the character is', () => {
    const terms = analyzer.indexTerms('耳机收纳包便携硬壳');
    // (Chinese terms come out as the index stores them: `cjkKey`, whose prefixes are the keys of the term's prefixes.)
    for (const c of '耳机收纳包便携硬壳') expect(terms.some((t) => t.startsWith(cjkKey(c)))).toBe(true);
  });

  it('folds full-width and half-width forms (NFKC), and reads ™ as a separator', () => {
    expect(analyzer.queryTerms('ｉＰｈｏｎｅ１５')).toEqual(analyzer.queryTerms('iPhone15'));
    expect(analyzer.queryTerms('ｲﾔﾎﾝ')).toEqual(analyzer.queryTerms('イヤホン'));
    expect(analyzer.indexTerms('Logitech™ Mouse').map((t) => normalizeTerm(t))).toEqual(['logitech', 'mouse']);
    expect(foldText('plain ascii')).toBe('plain ascii');
  });

  it('Thai is split into words by Intl.Segmenter', () => {
    const terms = analyzer.indexTerms('หูฟังบลูทูธไร้สาย');
    expect(terms).toContain('บลูทูธ');
    expect(terms.join('')).toBe('หูฟังบลูทูธไร้สาย');
  });

  it("keeps the store's dictionary words whole: a query holding one searches it whole", () => {
    const withBrand = new TextAnalyzer({ dictionary: ['森海塞尔'] });
    expect(withBrand.queryTerms('森海塞尔耳机')).toEqual(['森海塞尔', '尔耳', '耳机'].map(cjkKey));
    expect(withBrand.indexTerms('森海塞尔有线耳机')).toContain(cjkKey('森海塞尔'));
    // The segmenter splits 降噪 into two characters; with 降噪 in the dictionary, completions keep it whole.
    const phrases = new TextAnalyzer({ dictionary: ['降噪'] }).phrases('主动降噪耳机');
    expect(phrases).toContain('主动降噪耳机');
  });

  it('tokens() give offsets into the original text, also where folding changed its length', () => {
    const title = 'ｶﾞｲﾄﾞ 蓝牙耳机';
    const tokens = analyzer.tokens(title);
    const pick = (term: string) => tokens.filter((t) => t.term === term).map((t) => title.slice(t.start, t.end));
    expect(pick('ガイ')).toEqual(['ｶﾞｲ']);
    expect(pick('耳机')).toEqual(['耳机']);
  });
});

describe('SearchIndex in Chinese and Japanese', () => {
  const CATALOG = [
    { id: 'bt', title: '小米Redmi Buds 5 Pro无线蓝牙耳机主动降噪', brand: '小米', category: '数码 > 耳机' },
    { id: 'case', title: '耳机收纳包便携硬壳', brand: '绿联', category: '数码 > 配件' },
    { id: 'speaker', title: '小米蓝牙音箱户外便携', brand: '小米', category: '数码 > 音箱' },
    { id: 'ja', title: 'ソニー ワイヤレスイヤホン WF-1000XM5', brand: 'ソニー', category: '家電 > イヤホン' },
    { id: 'ja2', title: 'Anker ワイヤレスイヤホン Soundcore', brand: 'Anker', category: '家電 > イヤホン' },
    { id: 'fw', title: 'ＡＰＰＬＥ ｉＰｈｏｎｅ １５ 手机', brand: 'Apple', category: '手机' },
  ];

  it('finds words inside unspaced runs, by a single character too', async () => {
    const index = await SearchIndex.create(CATALOG);
    expect(ids(index, '蓝牙耳机')).toEqual(['bt']);
    expect(ids(index, '降噪')).toEqual(['bt']);
    expect(ids(index, '收纳')).toEqual(['case']);
    expect(ids(index, '壳')).toEqual(['case']);
    expect(ids(index, 'イヤホン')).toEqual(['ja', 'ja2']);
    expect(ids(index, 'iphone 15')).toEqual(['fw']);
  });

  it('Traditional Chinese finds Simplified titles (OpenCC table, loaded by create())', async () => {
    const index = await SearchIndex.create(CATALOG);
    expect(ids(index, '藍牙耳機')).toEqual(['bt']);
    expect(ids(index, '藍牙')).toEqual(['bt', 'speaker']);
  });

  it('suggest() completes Chinese and Japanese prefixes to catalog phrases, not to fragments of one', async () => {
    const index = await SearchIndex.create(CATALOG);
    expect(index.suggest('蓝牙').map((s) => s.text)).toContain('蓝牙耳机');
    expect(index.suggest('ワイヤレス').map((s) => s.text)).toContain('ワイヤレスイヤホン');
    // The segmenter reads ワイヤレス|イヤ|ホン: both items that hold ワイヤレスイヤ go on to ワイヤレスイヤホン.
    expect(index.suggest('ワイヤレス').map((s) => s.text)).not.toContain('ワイヤレスイヤ');
    expect(index.suggest('蓝牙').map((s) => s.text)).not.toContain('蓝牙');
  });

  it('a store writing Traditional Chinese shows Traditional completions, typed either way', async () => {
    const index = await SearchIndex.create([{ id: 'tw', title: '藍牙耳機 主動降噪', brand: '小米', category: '數碼 > 耳機' }, { id: 'tw2', title: '藍牙音箱', brand: '小米', category: '數碼 > 音箱' }]);
    expect(index.suggest('藍牙').map((s) => s.text)).toContain('藍牙耳機');
    expect(index.suggest('蓝牙').map((s) => s.text)).toContain('藍牙耳機');
    expect(index.suggest('蓝牙').map((s) => s.text)).not.toContain('蓝牙耳机');
  });

  it('pinyin completes to Chinese phrases only when turned on', async () => {
    const plain = await SearchIndex.create(CATALOG);
    expect(plain.suggest('lanya')).toEqual([]);
    const index = await SearchIndex.create(CATALOG, { pinyin: true });
    expect(index.suggest('lanya').map((s) => s.text)).toContain('蓝牙耳机');
    expect(index.suggest('lyej').map((s) => s.text)).toContain('蓝牙耳机');
    index.add([{ id: 'cup', title: '象印保温杯', brand: '象印', category: '家居' }]);
    expect(index.suggest('baowen').map((s) => s.text)).toContain('保温杯');
  });

  it('refuses a dictionary word with a space, saying what to do instead', () => {
    expect(() => new SearchIndex([], { dictionary: ['Galaxy S24'] })).toThrow(/search\.dictionary\[0\] must be one word without spaces.*synonym/);
  });
});
