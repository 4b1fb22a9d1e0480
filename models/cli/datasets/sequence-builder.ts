import type { EventType } from '../../../src/core/events.js';
import type { SequenceDataset } from './sequence-dataset.js';

interface Pending {
  items: number[];
  times: number[];
  types: EventType[];
}

/**
 * Collects `(user, item[, time, type])` interactions and builds a {@link SequenceDataset}: interns user and item ids in
 * order of first appearance and, when times were given, sorts each user's events by time (stable: ties keep input
 * order).
 */
export class SequenceBuilder {
  private readonly itemIndex = new Map<string, number>();
  private readonly itemIds: string[] = [];
  private readonly userIndex = new Map<string, number>();
  private readonly users: Pending[] = [];
  private readonly userIds: string[] = [];
  private hasTimes = false;
  private hasTypes = false;

  /** Returns the 1-based item index of `itemId`, adding it to the vocabulary if new. */
  internItem(itemId: string): number {
    let index = this.itemIndex.get(itemId);
    if (index === undefined) {
      this.itemIds.push(itemId);
      index = this.itemIds.length;
      this.itemIndex.set(itemId, index);
    }
    return index;
  }

  add(userId: string, itemId: string, time?: number, type?: EventType): void {
    let u = this.userIndex.get(userId);
    if (u === undefined) {
      u = this.users.length;
      this.userIndex.set(userId, u);
      this.userIds.push(userId);
      this.users.push({ items: [], times: [], types: [] });
    }
    const pending = this.users[u]!;
    pending.items.push(this.internItem(itemId));
    if (time !== undefined) this.hasTimes = true;
    if (type !== undefined) this.hasTypes = true;
    pending.times.push(time ?? 0);
    pending.types.push(type ?? 'view');
  }

  build(): SequenceDataset {
    const items: number[][] = [];
    const times: number[][] = [];
    const types: EventType[][] = [];
    for (const pending of this.users) {
      const order = pending.items.map((_, i) => i);
      if (this.hasTimes) order.sort((a, b) => pending.times[a]! - pending.times[b]! || a - b);
      items.push(order.map((i) => pending.items[i]!));
      times.push(order.map((i) => pending.times[i]!));
      types.push(order.map((i) => pending.types[i]!));
    }
    return {
      userIds: this.userIds,
      itemIds: this.itemIds,
      items,
      ...(this.hasTimes ? { times } : {}),
      ...(this.hasTypes ? { types } : {}),
    };
  }
}
