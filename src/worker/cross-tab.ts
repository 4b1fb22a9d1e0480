import type { BehaviourEvent } from '../core/events.js';

type Message = { kind: 'events'; tab: string; events: BehaviourEvent[] } | { kind: 'reset'; tab: string };

/**
 * Keeps the engines of a store's tabs in step: each worker publishes the events its page tracked (and `forget()`),
 * and applies what the others publish. Workers talk to each other directly, so the page pays nothing for it.
 */
export class CrossTab {
  private readonly channel: BroadcastChannel | null;

  constructor(storeId: string, private readonly tabId: string, handlers: { events: (events: BehaviourEvent[]) => void; reset: () => void }) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`edgereco:${storeId}`) : null;
    if (this.channel) {
      this.channel.onmessage = (event: MessageEvent<Message>) => {
        const message = event.data;
        if (message.tab === this.tabId) return;
        if (message.kind === 'events') handlers.events(message.events);
        else if (message.kind === 'reset') handlers.reset();
      };
    }
  }

  publish(events: BehaviourEvent[]): void {
    this.channel?.postMessage({ kind: 'events', tab: this.tabId, events } satisfies Message);
  }

  publishReset(): void {
    this.channel?.postMessage({ kind: 'reset', tab: this.tabId } satisfies Message);
  }

  close(): void {
    this.channel?.close();
  }
}
