/**
 * Privacy Pass at the gateway (RFC 9576 architecture, RFC 9578 issuance) with the privately verifiable token type
 * 0x0001, VOPRF(P-384, SHA-384), through `@cloudflare/privacypass-ts`. The gateway is both the issuer and the origin:
 * it gives tokens to browsers under the issuance policy, and accepts a report only with a token it issued that was
 * not spent on another report. The protocol makes redemption unlinkable to issuance: the issuer evaluates a blinded
 * value, and the token it later sees was never shown to it.
 */
import { createHash } from 'node:crypto';
import { privateVerif, Token, TOKEN_TYPES, TokenChallenge } from '@cloudflare/privacypass-ts';
import { canonicalStoredReport, type StoredReport } from './sinks/sink.js';
import { IssuanceCounter, type IssuanceClient, type IssuanceDecision } from './issuance-policy.js';
import { RestError } from './rest-errors.js';
import { fingerprint, type Fingerprint } from './spent-tokens.js';
import { TokenKeys, keyEpoch, type TokenKey } from './token-keys.js';
import { TokenLedger, type SpendEntry } from './token-ledger.js';
import type { TokensConfig } from './tokens-config.js';

/** The RFC 9578 issuer directory, plus `edgereco-challenge`: the TokenChallenge the origin expects (base64url). */
export interface IssuerDirectory {
  'issuer-request-uri': string;
  'token-keys': { 'token-type': 1; 'token-key': string; 'not-before': number }[];
  'edgereco-challenge': string;
}

/** One report as received, with its token (base64url of the RFC 9577 Token struct) when it came with one. */
export interface TokenedReport {
  report: StoredReport;
  token?: string | undefined;
}

/** The path of the issuance requests (RFC 9578 §5.1 "issuer-request-uri"), relative to the gateway. */
export const TOKEN_REQUEST_PATH = '/token-request';

/** The serialized size of a type 0x0001 token: type, nonce, challenge digest, key id, authenticator. */
const TOKEN_BYTES = 2 + 32 + 32 + 32 + 48;
const TOKEN_TEXT = /^[A-Za-z0-9_-]{195}={0,1}$/;
/** Verified tokens remembered (about 4 MB). */
const VERIFIED_KEPT = 16_384;

function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** A fingerprint of a report's content: the same report sent again is a replay, anything else is another report. */
export function reportFingerprint(report: StoredReport): Fingerprint {
  return fingerprint(digest(Buffer.from(JSON.stringify(canonicalStoredReport(report)), 'utf8')));
}

export class TokenService {
  private readonly challenge: TokenChallenge;
  private readonly challengeDigest: Buffer;
  readonly counter: IssuanceCounter;
  /** Tokens issued per epoch by this process (issuance stops at `maxSpentPerKey`). */
  private readonly issued = new Map<number, number>();
  /** The key epoch last seen: at a new one, what belongs to retired keys goes. */
  private epoch = -1;
  /**
   * Tokens that verified lately (their text), so the same token sent again (a retry, a beacon and the next page, or
   * an attacker replaying valid tokens beside a bad one to make the gateway redo the VOPRF) costs a lookup. Bounded.
   */
  private readonly verified = new Set<string>();

  private constructor(readonly config: TokensConfig, private readonly keys: TokenKeys, private readonly ledger: TokenLedger) {
    this.challenge = new TokenChallenge(TOKEN_TYPES.VOPRF.value, config.issuerName, new Uint8Array(0));
    this.challengeDigest = digest(this.challenge.serialize());
    this.counter = new IssuanceCounter(config);
  }

  static async open(config: TokensConfig, nowMs: number): Promise<TokenService> {
    const keys = await TokenKeys.open(config.keyDir, config.keyDays, nowMs);
    const epoch = keyEpoch(nowMs, config.keyDays);
    const ledger = await TokenLedger.open(config.keyDir, config.maxSpentPerKey, [epoch - 1, epoch]);
    await ledger.retire(epoch - 1);
    const service = new TokenService(config, keys, ledger);
    // What was redeemed was issued: a restarted process counts at least that much against the key's capacity.
    service.issued.set(epoch, ledger.spent(epoch));
    service.epoch = epoch;
    return service;
  }

  /** Whether the policy lets `client` have one more token now (counted when it does). */
  private allow(client: IssuanceClient, nowMs: number): IssuanceDecision {
    const epoch = keyEpoch(nowMs, this.config.keyDays);
    if ((this.issued.get(epoch) ?? 0) >= this.config.maxSpentPerKey) return { ok: false, reason: 'clients', retryAfterMs: (epoch + 1) * this.config.keyDays * 86_400_000 - nowMs };
    return this.counter.take(client, 1, nowMs);
  }

  /** The issuer directory (RFC 9578 §4): the current key first, then the previous one while its tokens still count. */
  async directory(nowMs: number): Promise<IssuerDirectory> {
    await this.keys.current(nowMs);
    return {
      'issuer-request-uri': TOKEN_REQUEST_PATH,
      'token-keys': this.keys.redeemable(nowMs).map((k) => ({ 'token-type': 1, 'token-key': Buffer.from(k.publicKey).toString('base64url'), 'not-before': k.notBefore })),
      'edgereco-challenge': Buffer.from(this.challenge.serialize()).toString('base64url'),
    };
  }

  /** `WWW-Authenticate` for a 401 (RFC 9577 §2.1): the challenge and the current key. */
  async authenticateHeader(nowMs: number): Promise<string> {
    const key = await this.keys.current(nowMs);
    return `PrivateToken challenge="${Buffer.from(this.challenge.serialize()).toString('base64url')}", token-key="${Buffer.from(key.publicKey).toString('base64url')}"`;
  }

  /**
   * Evaluates one RFC 9578 TokenRequest (type 0x0001) with the current key, if the issuance policy gives `client` one
   * more token today (a request that is not a valid token request costs nothing); the TokenResponse bytes.
   */
  async issue(body: Uint8Array, client: IssuanceClient, nowMs: number): Promise<Uint8Array> {
    await this.rollover(nowMs);
    const key = await this.keys.current(nowMs);
    let request: privateVerif.TokenRequest;
    try {
      if (body.length !== 2 + 1 + TOKEN_TYPES.VOPRF.Ne) throw new Error(`${body.length} bytes`);
      request = privateVerif.TokenRequest.deserialize(new Uint8Array(body));
    } catch {
      throw new RestError('BAD_REQUEST', `the body must be one Privacy Pass TokenRequest of token type 0x0001 (RFC 9578 §5.1: ${2 + 1 + TOKEN_TYPES.VOPRF.Ne} bytes)`);
    }
    const keyId = Buffer.from(key.id, 'hex');
    if (request.truncatedTokenKeyId !== keyId[keyId.length - 1]) {
      throw new RestError('TOKEN_KEY_UNKNOWN', "the token request is for another issuer key; fetch the issuer directory again and use its first token-key");
    }
    const decision = this.allow(client, nowMs);
    if (!decision.ok) {
      const why = { session: 'this session had its tokens for today', ip: 'this address had its tokens for today', clients: 'the issuer gives no more tokens for now', 'unknown-client': 'the issuer cannot tell clients apart (no session and no address)' }[decision.reason];
      throw new RestError('ISSUANCE_LIMITED', `${why} (the store's issuance policy, tokens.perSessionPerDay and tokens.perIpPerDay); retry after ${new Date(nowMs + decision.retryAfterMs).toISOString()}`, { headers: { 'Retry-After': String(Math.ceil(decision.retryAfterMs / 1000)) } });
    }
    let response: privateVerif.TokenResponse;
    try {
      response = await new privateVerif.Issuer(this.config.issuerName, key.privateKey, key.publicKey).issue(request);
    } catch {
      throw new RestError('BAD_REQUEST', 'the token request does not hold a valid blinded P-384 element');
    }
    const epoch = keyEpoch(nowMs, this.config.keyDays);
    this.issued.set(epoch, (this.issued.get(epoch) ?? 0) + 1);
    return response.serialize();
  }

  /**
   * Redeems one token per report, all or nothing: refuses (401) a report without a token or with one that is not a
   * valid, current token of this issuer for this challenge, and (409) a token already spent on another report. The
   * same report sent again with its token is accepted (the aggregator counts a report id once). Resolves once the
   * spent tokens are recorded durably, before the caller writes the reports.
   */
  async redeem(records: readonly TokenedReport[], nowMs: number): Promise<void> {
    await this.rollover(nowMs);
    const challenge = { 'WWW-Authenticate': await this.authenticateHeader(nowMs) };
    // Cheap checks first, for every record; the one expensive step (the VOPRF evaluation) only after they all pass.
    const parsed = records.map(({ report, token }, i) => {
      const where = `records[${i}]`;
      if (token === undefined) {
        throw new RestError('TOKEN_MISSING', `${where} has no token: this gateway accepts a report only with a Privacy Pass token (one per report; the SDK's syncTokens option gets them from this gateway's issuer)`, { headers: challenge });
      }
      return { where, ...this.parse(token, report, where, nowMs, challenge) };
    });
    const spentCheck = () => {
      const inRequest = new Map<string, string>();
      for (const { where, entry } of parsed) {
        const nonce = `${entry.nonce[0]}:${entry.nonce[1]}`;
        const report = `${entry.report[0]}:${entry.report[1]}`;
        if ((inRequest.get(nonce) ?? report) !== report) throw new RestError('TOKEN_SPENT', `${where}: its token pays for another report of this request; each report needs its own token`);
        inRequest.set(nonce, report);
        if (this.ledger.table(entry.epoch).check(entry.nonce, entry.report) === 'spent') {
          throw new RestError('TOKEN_SPENT', `${where}: its token was already spent on another report; a token pays for one report only`);
        }
      }
    };
    spentCheck();
    for (const [i, { where, token, key }] of parsed.entries()) {
      const text = records[i]!.token!;
      if (this.verified.has(text)) continue;
      if (!(await privateVerif.verifyToken(token, key.privateKey))) {
        throw new RestError('TOKEN_INVALID', `${where}: the token does not verify (it was not issued by this gateway, or was altered)`, { headers: challenge });
      }
      if (this.verified.size >= VERIFIED_KEPT) this.verified.delete(this.verified.values().next().value!);
      this.verified.add(text);
    }
    // Again, with no await between this check and the ledger's record: two requests cannot both spend one token.
    spentCheck();
    if (!(await this.ledger.record(parsed.map((p) => p.entry)))) {
      throw new RestError('TOKENS_FULL', "the issuer key's spent-token list is full (tokens.maxSpentPerKey); retry after the next key rotation", { headers: { 'Retry-After': '3600' } });
    }
  }

  /** The token's structure, challenge and key (no cryptography yet). */
  private parse(text: string, report: StoredReport, where: string, nowMs: number, headers: Record<string, string>): { token: Token; key: TokenKey; entry: SpendEntry } {
    const invalid = (why: string) => new RestError('TOKEN_INVALID', `${where}: the token ${why}`, { headers });
    if (typeof text !== 'string' || !TOKEN_TEXT.test(text)) throw invalid(`must be a Privacy Pass token of type 0x0001 in base64url (${TOKEN_BYTES} bytes)`);
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.length !== TOKEN_BYTES || bytes.readUInt16BE(0) !== TOKEN_TYPES.VOPRF.value) throw invalid(`must be a Privacy Pass token of type 0x0001 (${TOKEN_BYTES} bytes)`);
    // A copy at offset 0: the library's parsers read `bytes.buffer` from its start.
    const token = Token.deserialize(TOKEN_TYPES.VOPRF, new Uint8Array(bytes));
    if (!Buffer.from(token.authInput.challengeDigest).equals(this.challengeDigest)) throw invalid("was made for another challenge (another issuer name or context); fetch this gateway's issuer directory");
    const key = this.keys.byId(Buffer.from(token.authInput.tokenKeyId).toString('hex'), nowMs);
    if (!key) throw invalid('was issued with a key this gateway no longer redeems (or never had); a token counts during two key periods');
    return { token, key, entry: { epoch: key.epoch, nonce: fingerprint(token.authInput.nonce), report: reportFingerprint(report) } };
  }

  /** At the first call of a new key epoch, drops what belongs to the retired keys (their files too). */
  private async rollover(nowMs: number): Promise<void> {
    const epoch = keyEpoch(nowMs, this.config.keyDays);
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    await this.keys.retire(nowMs);
    await this.ledger.retire(epoch - 1);
    for (const e of [...this.issued.keys()]) if (e < epoch) this.issued.delete(e);
  }

  close(): Promise<void> {
    return this.ledger.close();
  }
}
