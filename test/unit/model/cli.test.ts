import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../../models/cli/args.js';
import { COMMANDS, NEIGHBOURS, TRAIN } from '../../../models/cli/commands.js';
import { evaluateCommand } from '../../../models/cli/evaluate.js';
import { commandHelp, mainHelp } from '../../../models/cli/help.js';
import { neighboursCommand, widenWeight } from '../../../models/cli/neighbours.js';
import { trainCommand } from '../../../models/cli/train.js';
import { itemNeighbours } from '../../../models/cli/evaluation/item-knn-baseline.js';
import { leaveOneOut } from '../../../models/cli/evaluation/leave-one-out.js';
import { holdOutLast, trainedSequences } from '../../../models/cli/evaluation/held-out.js';
import { readEvents } from '../../../models/cli/read-events.js';

const events = new URL('../../fixtures/model/tiny.s3rec.txt', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'edgereco-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function captured(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

const common = ['--events', events, '--format', 's3rec', '--backend', 'cpu', '--dim', '8', '--epochs', '2', '--batch', '2', '--members', '1'];

describe('train → bundle → evaluate', () => {
  it('writes an int8 bundle and its f32 twin, and evaluates both with the baselines', async () => {
    const out = join(dir, 'loo');
    await captured(() => trainCommand([...common, '--split', 'leave-one-out', '--out', out]));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.config.positions).toBe('distance'); // train's default since 2026-12-07
    expect(manifest.formatVersion).toBe(5);
    expect(manifest.training.split).toBe('leave-one-out');
    expect(manifest.vocabularyFile).toBe('vocabulary.bin'); // the fixture's item ids are whole numbers
    expect(readFileSync(join(out, 'vocabulary.bin')).byteLength).toBe(7 * 2);
    const lines = await captured(() =>
      evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--protocol', 'sampled', '--negatives', '3', '--backend', 'cpu', '--json']),
    );
    const result = JSON.parse(lines.at(-1)!);
    expect(result.users).toBe(5);
    for (const key of ['model', 'f32', 'popularity', 'itemknn']) {
      expect(result[key].hr10).toBeGreaterThanOrEqual(0);
      expect(result[key].hr10).toBeLessThanOrEqual(1);
    }
    // Candidate scoring with every cluster probed (and a shortlist longer than the catalog) ranks as the full product.
    const approximate = JSON.parse(
      (await captured(() =>
        evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--protocol', 'full', '--backend', 'cpu', '--scoring', 'approximate', '--probe', '1', '--json']),
      )).at(-1)!,
    );
    const exact = JSON.parse(
      (await captured(() => evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--protocol', 'full', '--backend', 'cpu', '--json']))).at(-1)!,
    );
    expect(approximate.scoring).toBe('approximate');
    expect(approximate.scoredFraction).toBe(1);
    expect(approximate.model).toEqual(exact.model);
  });

  it('--members 2 trains two seeds in parallel processes and ships one bundle that averages them', async () => {
    const out = join(dir, 'ensemble');
    const log = await captured(() => trainCommand([...common, '--split', 'leave-one-out', '--eval-every', '1', '--members', '2', '--neighbours', '0', '--out', out]));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.config.members).toBe(2);
    expect(manifest.training.members.map((m: { seed: number }) => m.seed)).toEqual([1, 2]);
    expect(manifest.tensors.filter((t: { name: string }) => t.name.endsWith('.itemEmbedding')).map((t: { name: string }) => t.name)).toEqual([
      'members.0.itemEmbedding',
      'members.1.itemEmbedding',
    ]);
    expect(log.filter((l) => l.includes('valid (2 members, prior')).length).toBe(7);
    const lines = await captured(() =>
      evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--protocol', 'full', '--backend', 'cpu', '--json']),
    );
    expect(JSON.parse(lines.at(-1)!).model.mrr).toBeGreaterThan(0);
  }, 60_000);

  it('trains with item attributes and ships the attribute table in the bundle', async () => {
    const out = join(dir, 'attrs');
    const attributes = new URL('../../fixtures/model/attributes.json', import.meta.url).pathname;
    await captured(() => trainCommand([...common, '--split', 'leave-one-out', '--attributes', attributes, '--out', out]));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.config.numAttributes).toBe(2); // attribute 30 belongs to an item outside the data
    expect(manifest.attributesFile).toBe('attributes.bin');
    // neighbours.bin too when the memory ranked the held-out items better (chosen on them).
    expect(Object.keys(manifest.checksums).sort()).toEqual(expect.arrayContaining(['attributes.bin', 'vocabulary.bin', 'weights.bin']));
    for (const file of Object.keys(manifest.checksums)) expect(existsSync(join(out, file))).toBe(true);
    const lines = await captured(() =>
      evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--protocol', 'full', '--backend', 'cpu', '--json']),
    );
    expect(JSON.parse(lines.at(-1)!).model.mrr).toBeGreaterThan(0);
  });

  it('trains on a store export with event types and times: the bundle reads them, and evaluation passes them', async () => {
    const csv = join(dir, 'export.csv');
    const rows = ['user_id,item_id,timestamp,event_type'];
    const types = ['view', 'click', 'add_to_cart', 'purchase'];
    for (let u = 0; u < 12; u++) {
      for (let j = 0; j < 6; j++) rows.push(`u${u},item${(u + j * 3) % 8},${1_700_000_000 + u * 86_400 + j * (j % 2 ? 45 : 4_000)},${types[(u + j) % 4]}`);
    }
    writeFileSync(csv, rows.join('\n') + '\n');
    const out = join(dir, 'store');
    const log = await captured(() =>
      trainCommand(['--events', csv, '--format', 'csv', '--backend', 'cpu', '--dim', '8', '--epochs', '2', '--batch', '4', '--split', 'leave-one-out', '--eval-every', '1', '--members', '1', '--out', out]),
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.config.eventTypes).toBe(7);
    expect(manifest.config.gapBuckets).toBe(12);
    expect([0, 0.25, 0.5, 0.75, 1, 1.5, 2]).toContain(manifest.config.priorWeight); // chosen on validation
    expect(log.filter((l) => /valid \(epoch \d, prior/.test(l)).length).toBe(14); // 2 epochs × 7 prior weights
    const lines = await captured(() =>
      evaluateCommand(['--events', csv, '--format', 'csv', '--model', out, '--protocol', 'full', '--backend', 'cpu', '--json']),
    );
    const result = JSON.parse(lines.at(-1)!);
    expect(result.users).toBe(12);
    expect(result.model.mrr).toBeGreaterThan(0);
    expect(Math.abs(result.model.mrr - result.f32.mrr)).toBeLessThan(0.05);
  });

  it('refuses to evaluate a bundle trained on all the data (it saw the test items)', async () => {
    const out = join(dir, 'all');
    await captured(() => trainCommand([...common, '--out', out]));
    await expect(
      evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--backend', 'cpu', '--json']),
    ).rejects.toThrow(/test items/);
  });
});

describe('train with the defaults chooses for itself', () => {
  const base = ['--events', events, '--format', 's3rec', '--backend', 'cpu', '--dim', '8', '--batch', '2', '--epochs', '3', '--members', '1'];

  it('holds out each last item, chooses the epoch, the prior and the memory on them, then learns from them too', async () => {
    const out = join(dir, 'defaults');
    const log = await captured(() => trainCommand([...base, '--out', out]));
    expect(log.some((l) => l.includes('validation: the 5 last items of the sequences'))).toBe(true);
    expect(log.filter((l) => /valid \(epoch \d, prior/.test(l)).length).toBeGreaterThanOrEqual(7); // at least one round of 7 prior weights
    expect(log.some((l) => /keeps epoch \d, prior weight/.test(l))).toBe(true);
    expect(log.some((l) => l.includes(`memory: ${1 + 4 * 4 * 7} settings on 5 validation users`))).toBe(true);
    expect(log.some((l) => /on all the data \(validation items too\)/.test(l))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.training).toMatchObject({ split: 'none', validation: 'trained' });
    expect([0, 0.25, 0.5, 0.75, 1, 1.5, 2]).toContain(manifest.config.priorWeight);
    // Trained on everything, so a later memory counts everything, with nothing left to choose on.
    const memory = await captured(() => neighboursCommand(['--events', events, '--format', 's3rec', '--model', out, '--backend', 'cpu', '--neighbours', '3']));
    expect(memory.some((l) => l.includes('settings on'))).toBe(false);
  });

  it('--members auto trains a pair side by side, then another while the time allows, up to four for a small catalog', async () => {
    const out = join(dir, 'auto-members');
    const log = await captured(() => trainCommand([...base.filter((a) => a !== '--members' && a !== '1'), '--parallel', '2', '--neighbours', '0', '--out', out]));
    expect(log.some((l) => l.includes('ensemble of 2 members side by side (--members auto), up to 4'))).toBe(true);
    expect(log.some((l) => /minutes left after 2 members \(the first took [\d.]+\): 2 more/.test(l))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.config.members).toBe(4);
    expect(manifest.training.members.map((m: { seed: number }) => m.seed)).toEqual([1, 2, 3, 4]);
  }, 120_000);

  it('with --continue 0 ships the chosen epoch; its validation items stay held out, for neighbours to choose on', async () => {
    const out = join(dir, 'held-out');
    const log = await captured(() => trainCommand([...base, '--continue', '0', '--neighbours', '0', '--out', out]));
    expect(log.some((l) => l.includes('on all the data'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.training).toMatchObject({ split: 'none', validation: 'held-out' });
    const memory = await captured(() => neighboursCommand(['--events', events, '--format', 's3rec', '--model', out, '--backend', 'cpu', '--neighbours', '3']));
    expect(memory.some((l) => l.includes('memory: 113 settings on 5 validation users'))).toBe(true);
  });

  it('a bundle that learned from the validation items is refused for ranking them, and evaluated on the test items', async () => {
    const out = join(dir, 'continued');
    await captured(() => trainCommand([...base, '--split', 'leave-one-out', '--out', out]));
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).training).toMatchObject({ split: 'leave-one-out', validation: 'trained' });
    const evaluate = (...extra: string[]) => captured(() => evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--backend', 'cpu', '--json', ...extra]));
    await expect(evaluate('--target', 'validation')).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/learned from the validation items/) });
    expect(JSON.parse((await evaluate()).at(-1)!).users).toBe(5);
  });

  it('holdOutLast keeps the last item of each sequence of two or more; trainedSequences reads a record back', () => {
    const seqs = [[1, 2, 3], [4], [5, 6]];
    expect(holdOutLast(seqs)).toEqual({ train: [[1, 2], [4], [5]], validation: [3, 0, 6], test: [0, 0, 0] });
    const record = { dataHash: '', format: 's3rec', epochs: 1, seed: 1 };
    expect(trainedSequences({ ...record, split: 'none' }, seqs)).toEqual(seqs);
    expect(trainedSequences({ ...record, split: 'none', validation: 'held-out' }, seqs)).toEqual([[1, 2], [4], [5]]);
    expect(trainedSequences({ ...record, split: 'leave-one-out' }, seqs)).toEqual([[1], [4], [5, 6]]);
    expect(trainedSequences({ ...record, split: 'leave-one-out', validation: 'trained' }, seqs)).toEqual([[1, 2], [4], [5, 6]]);
  });
});

describe('neighbours: a co-occurrence memory for a trained bundle', () => {
  const out = join(dir, 'memory');
  const run = (...extra: string[]) => captured(() => neighboursCommand(['--events', events, '--format', 's3rec', '--model', out, '--backend', 'cpu', ...extra]));

  it('chooses its weight on validation and stores lists built from the training part only', async () => {
    // The validation items held out (--continue 0), so the memory can be chosen on them.
    await captured(() => trainCommand([...common, '--split', 'leave-one-out', '--continue', '0', '--neighbours', '0', '--out', out]));
    const log = await run('--neighbours', '3');
    expect(log.some((l) => l.includes(`memory: ${1 + 4 * 4 * 7} settings on 5 validation users`))).toBe(true); // no memory, then 4 weights × 4 gains × (1 step, or 2 or 3 with 3 path weights)
    expect(log.some((l) => /keeps (weight|no memory)/.test(l))).toBe(true);
    const forced = await run('--neighbours', '3', '--weight', '1', '--gain', '100', '--hops', '2', '--paths', '0.5');
    expect(forced.filter((l) => l.includes('settings on'))).toEqual([]); // nothing to choose
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.config.neighbourWeight).toBe(1);
    expect(manifest.config.neighbourHops).toBe(2);
    expect(manifest.config.neighbourPathWeight).toBeCloseTo(0.5 / 100, 12); // in the stored weights' units (gain × cos)
    expect(manifest.neighboursFile).toBe('neighbours.bin');
    expect(manifest.training.command).toMatch(/&& edgereco neighbours .*--neighbours 3/);
    expect(manifest.training.command.match(/edgereco neighbours/g)).toHaveLength(1); // the second run replaced the first
    // The lists: each item's top 3 by cosine over the training sequences (never a validation or test item).
    const data = readEvents(events, 's3rec', 'invoice');
    const expected = itemNeighbours(leaveOneOut(data.items).train, data.itemIds.length, 3);
    const stored = new Uint16Array(new Uint8Array(readFileSync(join(out, 'neighbours.bin'))).buffer);
    expect(Array.from(stored.subarray(0, 8))).toEqual(Array.from({ length: 8 }, (_, i) => expected.offsets[i + 1]! - expected.offsets[i]!));
    expect(Array.from(stored.subarray(8))).toEqual(Array.from(expected.ids));
    for (const sub of ['', 'f32']) expect(readFileSync(join(out, sub, 'neighbours.bin'))).toEqual(readFileSync(join(out, 'neighbours.bin')));
    // Evaluation reads the memory through the worker's scoring code; int8 and f32 agree.
    const lines = await captured(() => evaluateCommand(['--events', events, '--format', 's3rec', '--model', out, '--protocol', 'full', '--backend', 'cpu', '--json']));
    const result = JSON.parse(lines.at(-1)!);
    expect(Math.abs(result.model.mrr - result.f32.mrr)).toBeLessThan(0.05);
  });

  it('tries twice the largest weight when it won, while that wins on validation (widenWeight)', async () => {
    // Validation NDCG@10 peaking at weight 4 (as Retail-OR's memory did: 0.1378 at 2, 0.1401 at 4, 0.1355 at 8).
    const ndcg = (w: number, g: number) => 0.14 - 0.01 * Math.abs(Math.log2(w / 4)) - 0.001 * Math.abs(Math.log10(g / 100));
    const tried: number[] = [];
    const evaluate = async (settings: readonly { weight: number; gain: number }[]) => settings.map((s) => (tried.push(s.weight), { ndcg10: ndcg(s.weight, s.gain) }));
    const grid = { weights: [0.25, 0.5, 1, 2], gains: [10, 100] };
    const start = { setting: { weight: 2, gain: 100, hops: 2, paths: 0.3 }, result: { ndcg10: ndcg(2, 100) } };
    const kept = await widenWeight(start, grid, evaluate, () => {});
    expect(kept.setting).toEqual({ weight: 4, gain: 100, hops: 2, paths: 0.3 }); // the walk stays, the gain is chosen again
    expect([...new Set(tried)]).toEqual([4, 8]); // 8 lost, so no 16
    // An inner weight won, or the weight was given: nothing more is tried.
    tried.length = 0;
    await widenWeight({ ...start, setting: { ...start.setting, weight: 1 } }, grid, evaluate, () => {});
    await widenWeight(start, { weights: [2], gains: [100] }, evaluate, () => {});
    expect(tried).toEqual([]);
  });

  it('refuses events the model was not trained on, and bad options, with a typed error and the bundle untouched', async () => {
    const before = readFileSync(join(out, 'manifest.json'));
    const other = join(dir, 'other.s3rec.txt');
    writeFileSync(other, `${readFileSync(events, 'utf8').trim()}\n6 1 2 3 4\n`);
    await expect(
      neighboursCommand(['--events', other, '--format', 's3rec', '--model', out, '--backend', 'cpu']),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/not trained on these events/) });
    for (const bad of [['--neighbours', '0'], ['--neighbours', '2.5'], ['--weight', '-1'], ['--gain', '0'], ['--paths', '-1'], ['--hops', '0'], ['--hops', '4']]) {
      await expect(run(...bad)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    }
    expect(readFileSync(join(out, 'manifest.json'))).toEqual(before);
  });
});

describe('the options tables: parsing and --help come from them', () => {
  const cli = new URL('../../../models/cli/edgereco.mjs', import.meta.url).pathname;
  const run = (...argv: string[]) => execFileSync(process.execPath, [cli, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('edgereco --help and edgereco train --help list every option that is not experimental, with its default', () => {
    const all = run('--help');
    for (const command of COMMANDS) {
      const own = run(command.name, '--help');
      const [product, experimental = ''] = own.split('\nexperimental');
      for (const [name, spec] of Object.entries(command.options)) {
        const line = own.split('\n').find((l) => l.startsWith(`  --${name} `) || l === `  --${name}`);
        expect(line, `${command.name} --${name}`).toBeDefined();
        expect(line).toContain(spec.doc);
        if (spec.required) expect(line).toContain('(required)');
        else if (spec.default !== undefined) expect(line).toContain(`(default: ${spec.default})`);
        expect((spec.experimental ? experimental : product!).includes(`  --${name}`), `${command.name} --${name} in its section`).toBe(true);
      }
      expect(all).toContain(commandHelp(command));
    }
    expect(run('train', '--help')).toMatch(/--epochs N +at most N epochs \(default: 200\)/);
    expect(mainHelp(COMMANDS)).toMatch(/commands:\n {2}train .*\n {2}neighbours .*\n {2}evaluate .*\n {2}evaluate-search /);
  });

  it('refuses an unknown option with a typed error naming the closest known one', () => {
    expect(() => parseArgs(TRAIN, ['--events', 'e.csv', '--epoch', '3'])).toThrow(expect.objectContaining({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/^edgereco: train has no option --epoch; did you mean --epochs\?/),
    }));
    expect(() => parseArgs(NEIGHBOURS, ['--events', 'e', '--model', 'm', '--neighbors', '5'])).toThrow(/did you mean --neighbours\?/);
    expect(() => parseArgs(TRAIN, ['--events', 'e', '--epochs', 'many'])).toThrow(/--epochs must be a whole number ≥ 1 \(got many\)/);
    expect(() => parseArgs(TRAIN, ['--epochs', '3'])).toThrow(/train needs --events/);
    expect(() => parseArgs(TRAIN, ['--events', 'e', '--format', 'parquet'])).toThrow(/--format must be one of csv\|sasrec\|s3rec\|online-retail/);
    // The command line of a mistyped run fails before anything is read or written.
    expect(() => run('train', '--events', events, '--format', 's3rec', '--epoch', '1')).toThrow();
  });

  it('refuses a removed experimental option with a message that says it was removed and why', () => {
    for (const removed of ['--future-targets', '--future-weight', '--memory', '--memory-weight', '--memory-gain']) {
      expect(() => parseArgs(TRAIN, ['--events', 'e', removed, '2'])).toThrow(expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(new RegExp(`^edgereco: ${removed} was removed from edgereco train: an experiment that was not kept \\(docs/experiments\\.md`)),
      }));
    }
    expect(() => parseArgs(TRAIN, ['--events', 'e', '--loss', 'uniform-softmax'])).toThrow(/--loss uniform-softmax was removed: an experiment that was not kept/);
  });

  it('the store-facing guide documents the product options of train and neighbours and none of the experimental or removed ones', () => {
    const guide = readFileSync(new URL('../../../docs/training.md', import.meta.url), 'utf8');
    const mentioned = new Set([...guide.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));
    const product = new Set<string>();
    for (const command of COMMANDS) for (const [name, spec] of Object.entries(command.options)) if (!spec.experimental) product.add(name);
    for (const command of [TRAIN, NEIGHBOURS]) {
      for (const [name, spec] of Object.entries(command.options)) {
        if (!spec.experimental) expect(mentioned.has(name), `${command.name} --${name}`).toBe(true);
        else if (!product.has(name)) expect(mentioned.has(name), `${command.name} --${name} (experimental)`).toBe(false);
      }
      for (const name of Object.keys(command.removed ?? {})) expect(mentioned.has(name), `removed --${name}`).toBe(false);
    }
  });

  it('still accepts every option of the committed bundles\' recorded commands', () => {
    const models = new URL('../../../models/', import.meta.url).pathname;
    const names = readdirSync(models).filter((name) => existsSync(join(models, name, 'manifest.json')));
    expect(names).toEqual(expect.arrayContaining(['games', 'beauty', 'beauty-defaults', 'beauty-sampled', 'retail', 'retail-or']));
    for (const name of names) {
      const command: string = JSON.parse(readFileSync(join(models, name, 'manifest.json'), 'utf8')).training.command;
      for (const step of command.split(' && ')) {
        const [, sub, ...argv] = step.split(' ');
        if (sub !== 'train' && sub !== 'neighbours') continue;
        expect(() => parseArgs(sub === 'train' ? TRAIN : NEIGHBOURS, argv), `${name}: ${step}`).not.toThrow();
      }
    }
  });
});
