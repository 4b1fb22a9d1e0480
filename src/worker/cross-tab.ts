import type { BehaviourEvent } from '../core/events.js';

type Message =
  | { kind: 'hello' | 'here' | 'bye'; tab: string }
  | { kind: 'events'; tab: string; events: BehaviourEvent[] }
  | { kind: 'reset'; tab: string };

/** How far back a newcomer is sent this engine's events: longer than an append takes to become durable. */
const RECENT_MS = 30_000;

/**
 * Keeps the engines of a store's tabs in step (each page's dedicated worker; one SharedWorker needs no peer): each
 * worker publishes the events its page tracked (and `forget()`), and applies what the others publish. Workers talk to
 * each other directly, so the page pays nothing for it. Events are published only while another engine listens: each
 * says `hello` when it starts and `bye` when it stops, and the others answer `here`; a newcomer also gets the events of
 * the last {@link RECENT_MS} (it reads the rest from the log, where the latest may not be durable yet; duplicates are
 * dropped by event id).
 */
export class CrossTab {
  private channel: BroadcastChannel | null;
  private readonly peers = new Set<string>();

  constructor(
    storeId: string,
    private readonly tabId: string,
    handlers: { events: (events: BehaviourEvent[]) => void; reset: () => void; recent: (since: number) => BehaviourEvent[] },
  ) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`edgereco:${storeId}`) : null;
    if (!this.channel) return;
    this.channel.onmessage = (event: MessageEvent<Message>) => {
      const message = event.data;
      if (message.tab === this.tabId) return;
      if (message.kind === 'bye') {
        this.peers.delete(message.tab);
        return;
      }
      this.peers.add(message.tab);
      if (message.kind === 'hello') {
        this.post({ kind: 'here', tab: this.tabId });
        const recent = handlers.recent(Date.now() - RECENT_MS);
        if (recent.length > 0) this.post({ kind: 'events', tab: this.tabId, events: recent });
      } else if (message.kind === 'events') handlers.events(message.events);
      else if (message.kind === 'reset') handlers.reset();
    };
    this.post({ kind: 'hello', tab: this.tabId });
  }

  publish(events: BehaviourEvent[]): void {
    if (this.peers.size > 0) this.post({ kind: 'events', tab: this.tabId, events });
  }

  /** `forget()`: to every engine, also one whose `hello` has not arrived yet. */
  publishReset(): void {
    this.post({ kind: 'reset', tab: this.tabId });
  }

  /** Says `bye` and closes; calling it again does nothing. */
  close(): void {
    this.post({ kind: 'bye', tab: this.tabId });
    this.channel?.close();
    this.channel = null;
  }

  private post(message: Message): void {
    this.channel?.postMessage(message);
  }
}
