import type { HanFold } from './fold-text.js';

/**
 * Loads Traditional → Simplified Chinese folding: OpenCC's character table (opencc-js, `TSCharacters`, about 17 kB
 * gzipped, in a chunk of its own) through its own converter. Character for character, not phrase for phrase: search
 * only needs both sides to fold alike (藍牙耳機 and 蓝牙耳机 to one form), and keeping lengths keeps highlight offsets.
 */
export async function loadHanFolding(): Promise<HanFold> {
  const [{ CustomConverter }, { default: characters }] = await Promise.all([import('opencc-js/core'), import('opencc-js/dict/TSCharacters')]);
  // A table entry may list several simplified forms ("乾 干 乾"): search folds to the first.
  const pairs = characters.split('|').map((entry) => entry.split(' ', 2) as [string, string]);
  return CustomConverter(pairs);
}

const HAN = /\p{sc=Han}/u;

/** Whether a catalog needs Han folding: its language is Chinese, or any of its texts holds a Chinese character. */
export function needsHanFolding(locale: string | undefined, texts: Iterable<string>): boolean {
  if (locale !== undefined && /^zh\b/i.test(locale)) return true;
  for (const text of texts) if (HAN.test(text)) return true;
  return false;
}
