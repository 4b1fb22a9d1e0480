// The Amazon Games shoppers as the privacy and experiment benches simulate them (one file, read one way).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Games' interactions (SASRec's Video.txt: `user item` per line, in time order), from the shared data beside the repository. */
export const GAMES_DATA = fileURLToPath(new URL('../../shared/data/amazon/Video.txt', import.meta.url));

export interface GamesShoppers {
  /** Item ids `'1'`…: indexes into this are the item numbers minus one. */
  items: string[];
  /** Each shopper's distinct training items (all but its last interaction); shoppers with none are left out. */
  histories: Int32Array[];
  /** Each shopper's held-out last item (same order as `histories`). */
  heldOut: Int32Array;
}

export function readGamesShoppers(path: string = GAMES_DATA): GamesShoppers {
  const byUser = new Map<string, number[]>();
  let maxItem = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [user, item] = line.trim().split(/\s+/);
    if (!user || !item) continue;
    maxItem = Math.max(maxItem, Number(item));
    let list = byUser.get(user);
    if (!list) byUser.set(user, (list = []));
    list.push(Number(item) - 1);
  }
  const histories: Int32Array[] = [];
  const heldOut: number[] = [];
  for (const list of byUser.values()) {
    const h = Int32Array.from(new Set(list.slice(0, -1)));
    if (h.length === 0) continue;
    histories.push(h);
    heldOut.push(list[list.length - 1]!);
  }
  return { items: Array.from({ length: maxItem }, (_, i) => String(i + 1)), histories, heldOut: Int32Array.from(heldOut) };
}
