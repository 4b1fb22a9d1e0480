import { createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';
import type { BehaviourEvent } from '../core/events.js';
import type { HeldToken } from '../storage/schema.js';
import type { IssuedTokens, IssuerOptions } from './token-issuer.js';

/** Where the held tokens live (the outbox's `meta` record, IdbOutbox.updateTokens). */
export interface TokenStore {
  updateTokens(update: (held: HeldToken[]) => HeldToken[]): Promise<HeldToken[]>;
}

export interface TokenWalletOptions extends IssuerOptions {
  store: TokenStore;
  /** Tokens to hold: enough for the next reports (two days of the SDK's reports by default). */
  target: number;
  /** Gets tokens from the issuer: `fetchTokens`, loaded lazily in the worker (it brings the VOPRF code). */
  issue: (options: IssuerOptions, count: number) => Promise<IssuedTokens>;
  onWarning: (error: EdgeRecoError) => void;
  log?: (message: string) => void;
  now?: () => number;
}

const DAY_MS = 86_400_000;
/** After a failure other than the policy's limit (network, 5xx, a bad answer), how long before asking again. */
const RETRY_MS = 15 * 60_000;
const ACTIVE = new Set(['view', 'click', 'add_to_cart', 'purchase', 'search']);

/** Whether the shopper did something in the last 24 hours that a report could be made of (the issuance trigger). */
export function realActivity(events: readonly BehaviourEvent[], nowMs: number): boolean {
  return events.some((e) => ACTIVE.has(e.type) && e.ts > nowMs - DAY_MS && e.ts <= nowMs + 60_000);
}

/**
 * The browser's Privacy Pass tokens: a few held in IndexedDB, topped up from the store's issuer in one batch when
 * the shopper is active, so that each report can carry one. Tokens are obtained ahead of the reports they pay for
 * (today's activity gets the tokens for the reports built after the day ends), which keeps the time a token is
 * issued apart from the time it is redeemed. Tokens whose issuer key is retired are dropped. The policy's daily limit
 * (429) and failures wait: until `Retry-After`, or 15 minutes.
 */
export class TokenWallet {
  private notBefore = 0;
  private running: Promise<number> | null = null;

  constructor(private readonly options: TokenWalletOptions) {}

  /** Tokens held now. */
  async held(): Promise<number> {
    return (await this.options.store.updateTokens((held) => held)).length;
  }

  /** Tops the held tokens up to the target (one batch), unless it must wait; resolves with how many are held. */
  refill(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    const held = await this.held();
    if (held >= this.options.target || now < this.notBefore) return held;
    let issued: IssuedTokens;
    try {
      issued = await this.options.issue(this.options, this.options.target - held);
    } catch (cause) {
      this.notBefore = now + RETRY_MS;
      this.options.onWarning(createError(ERROR_CODES.SYNC_FAILED, { problem: `could not get Privacy Pass tokens from the gateway at ${this.options.url} (${String(cause)})`, url: this.options.url }, { cause, retryable: true, retryAfterMs: RETRY_MS }));
      return held;
    }
    const keys = new Set(issued.keys);
    const after = await this.options.store.updateTokens((list) => [...list.filter((t) => keys.has(t.key)), ...issued.tokens]);
    const stopped = issued.stopped;
    if (stopped) {
      this.notBefore = now + (stopped.retryAfterMs ?? RETRY_MS);
      if (stopped.status !== 429) {
        this.options.onWarning(createError(ERROR_CODES.SYNC_FAILED, { problem: `the gateway's token issuer answered HTTP ${stopped.status} (${stopped.message})`, status: stopped.status }, { retryable: true, retryAfterMs: stopped.retryAfterMs ?? RETRY_MS }));
      }
    }
    this.options.log?.(`sync: got ${issued.tokens.length} Privacy Pass token(s); ${after.length} held${stopped ? ` (the issuer stopped with HTTP ${stopped.status}: ${stopped.message})` : ''}`);
    return after.length;
  }
}
