/** An interaction for k-core filtering: a sequence key and an item key. */
export interface KeyedInteraction {
  readonly user: string;
  readonly item: string;
}

/**
 * Iterative k-core filtering: repeatedly drops interactions whose user has fewer than `userK` or whose item has fewer
 * than `itemK` interactions, until nothing changes. Counts are over interactions (duplicates count). Keeps input order.
 */
export function kCore<T extends KeyedInteraction>(interactions: readonly T[], userK: number, itemK: number): T[] {
  let current = interactions.slice();
  for (;;) {
    const users = new Map<string, number>();
    const items = new Map<string, number>();
    for (const x of current) {
      users.set(x.user, (users.get(x.user) ?? 0) + 1);
      items.set(x.item, (items.get(x.item) ?? 0) + 1);
    }
    const next = current.filter((x) => users.get(x.user)! >= userK && items.get(x.item)! >= itemK);
    if (next.length === current.length) return current;
    current = next;
  }
}
