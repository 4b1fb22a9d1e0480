import type { BehaviourEvent } from '../core/events.js';
import { eventItemIds } from '../core/events.js';
import { HISTORY_EVENT_TYPES, type HistoryEvent } from '../core/featurize.js';

/** A gap longer than this starts a new browsing session (for co-occurrence). */
const SESSION_GAP_MS = 30 * 60_000;

/**
 * The shopper's history as the engine holds it: events in time order, deduplicated by `eventId` (the same event can
 * arrive from this tab, from the database at start-up and from another tab), with the derived views recomputed lazily.
 */
export class History {
  private readonly byId = new Map<string, BehaviourEvent>();
  private sorted: BehaviourEvent[] = [];
  private dirty = false;
  /**
   * Derived views, each computed on first use after a change: the basket views are linear in the history, the session
   * co-occurrence is quadratic in a session's length, so `recommend()` (which reads only the basket views) never pays
   * for it after a new event.
   */
  private derived: {
    baskets?: { copurchase: Map<string, Map<string, number>>; purchased: Set<string>; inCart: Set<string> };
    cooccurrence?: Map<string, Map<string, number>>;
  } = {};
  /** Bumped on every change, so callers can cache what they compute from the history. */
  version = 0;

  constructor(private readonly maxEvents: number) {}

  add(events: readonly BehaviourEvent[]): number {
    let added = 0;
    for (const e of events) {
      if (this.byId.has(e.eventId)) continue;
      this.byId.set(e.eventId, e);
      // An event newer than every one held (this tab's, as they come) keeps the order: the next read sorts nothing.
      const last = this.sorted[this.sorted.length - 1];
      if (last !== undefined && e.eventId < last.eventId) this.dirty = true;
      this.sorted.push(e);
      added++;
    }
    if (added > 0) {
      this.derived = {};
      this.version++;
    }
    return added;
  }

  clear(): void {
    this.byId.clear();
    this.sorted = [];
    this.derived = {};
    this.version++;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The events at or after `ts` (ms), oldest first. */
  since(ts: number): BehaviourEvent[] {
    const events = this.events();
    let i = events.length;
    while (i > 0 && events[i - 1]!.ts >= ts) i--;
    return events.slice(i);
  }

  /** Events oldest first (ids are UUIDv7, so id order is time order). */
  events(): readonly BehaviourEvent[] {
    if (this.dirty) {
      this.sorted.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
      this.dirty = false;
    }
    if (this.sorted.length > this.maxEvents) {
      for (const e of this.sorted.splice(0, this.sorted.length - this.maxEvents)) this.byId.delete(e.eventId);
    }
    return this.sorted;
  }

  /**
   * The latest `limit` item events as the model reads them (oldest first; a purchase is one event per line), for
   * `featurizeHistory`. The featurization keeps the history types and the last `maxLength` after collapsing repeats, so
   * a few times `maxLength` is plenty.
   */
  modelEvents(limit: number): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    const events = this.events();
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
      const e = events[i]!;
      if (!(HISTORY_EVENT_TYPES as readonly string[]).includes(e.type)) continue;
      const ids = eventItemIds(e);
      for (let j = ids.length - 1; j >= 0; j--) out.push({ itemId: ids[j]!, type: e.type, ts: e.ts });
    }
    return out.reverse();
  }

  /** Distinct items the shopper interacted with, most recent first, with the latest event about each. */
  recentItems(limit: number): { itemId: string; event: BehaviourEvent; rank: number }[] {
    const out: { itemId: string; event: BehaviourEvent; rank: number }[] = [];
    const seen = new Set<string>();
    const events = this.events();
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
      const e = events[i]!;
      if (e.type === 'impression' || e.type === 'search') continue;
      for (const itemId of eventItemIds(e)) {
        if (seen.has(itemId)) continue;
        seen.add(itemId);
        out.push({ itemId, event: e, rank: out.length });
      }
    }
    return out;
  }

  private baskets(): NonNullable<History['derived']['baskets']> {
    if (this.derived.baskets) return this.derived.baskets;
    const copurchase = new Map<string, Map<string, number>>();
    const purchased = new Set<string>();
    const cart = new Map<string, number>();
    for (const e of this.events()) {
      if (e.type === 'purchase') {
        const basket = [...new Set(e.lines.map((l) => l.itemId))];
        for (const a of basket) for (const b of basket) if (a !== b) bumpIn(copurchase, a, b);
        for (const line of e.lines) {
          purchased.add(line.itemId);
          cart.delete(line.itemId);
        }
      }
      if (e.type === 'add_to_cart') cart.set(e.itemId, (cart.get(e.itemId) ?? 0) + e.quantity);
      if (e.type === 'remove_from_cart') {
        const left = (cart.get(e.itemId) ?? 0) - e.quantity;
        if (left > 0) cart.set(e.itemId, left);
        else cart.delete(e.itemId);
      }
    }
    return (this.derived.baskets = { copurchase, purchased, inCart: new Set(cart.keys()) });
  }

  private sessions(): Map<string, Map<string, number>> {
    if (this.derived.cooccurrence) return this.derived.cooccurrence;
    const cooccurrence = new Map<string, Map<string, number>>();
    let session: string[] = [];
    let lastTs = -Infinity;
    const closeSession = (): void => {
      const items = [...new Set(session)];
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          bumpIn(cooccurrence, items[i]!, items[j]!);
          bumpIn(cooccurrence, items[j]!, items[i]!);
        }
      }
      session = [];
    };
    for (const e of this.events()) {
      if (e.ts - lastTs > SESSION_GAP_MS) closeSession();
      lastTs = e.ts;
      if (e.type === 'impression' || e.type === 'search') continue;
      for (const itemId of eventItemIds(e)) session.push(itemId);
    }
    closeSession();
    return (this.derived.cooccurrence = cooccurrence);
  }

  /** How many of the shopper's sessions contained both items. */
  cooccurrence(a: string): ReadonlyMap<string, number> | undefined {
    return this.sessions().get(a);
  }

  /** How many of the shopper's orders contained both items. */
  copurchase(a: string): ReadonlyMap<string, number> | undefined {
    return this.baskets().copurchase.get(a);
  }

  purchased(): ReadonlySet<string> {
    return this.baskets().purchased;
  }

  inCart(): ReadonlySet<string> {
    return this.baskets().inCart;
  }
}

function bumpIn(table: Map<string, Map<string, number>>, a: string, b: string): void {
  let row = table.get(a);
  if (!row) table.set(a, (row = new Map()));
  row.set(b, (row.get(b) ?? 0) + 1);
}
