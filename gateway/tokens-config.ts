import { createError, ERROR_CODES } from '../src/core/errors.js';
import { DEFAULT_ISSUANCE_POLICY, type IssuancePolicy } from './issuance-policy.js';

/**
 * The gateway's `tokens` section (token-service.ts): with it, every report needs a Privacy Pass token this gateway
 * issued; without it, reports need none (as before tokens existed). Every field has a default: `"tokens": {}` turns
 * tokens on.
 */
export interface TokensConfig extends IssuancePolicy {
  /** The issuer keys and the spent-token lists (a folder, relative to the working directory). Default `data/token-keys`. */
  keyDir: string;
  /** Days each issuer key issues; tokens of the current and the previous key are redeemed. Default 7. */
  keyDays: number;
  /** The challenge's issuer name (RFC 9577 §2.1.1). Default `"edgereco-gateway"`. */
  issuerName: string;
  /** Where a client's IP address comes from at issuance: the connection, or `X-Forwarded-For`'s last entry (your proxy's). Default `socket`. */
  clientIp: 'socket' | 'x-forwarded-for';
  /** Most tokens redeemed per key (bounded memory: the spent list of a key). Default 4,194,304. */
  maxSpentPerKey: number;
  /** Mark the session cookie `Secure` (HTTPS only). Default true; false for a plain-HTTP test setup. */
  secureCookie: boolean;
}

export type TokensConfigInput = Partial<TokensConfig>;

export const DEFAULT_TOKENS_CONFIG: TokensConfig = {
  ...DEFAULT_ISSUANCE_POLICY,
  keyDir: 'data/token-keys',
  keyDays: 7,
  issuerName: 'edgereco-gateway',
  clientIp: 'socket',
  maxSpentPerKey: 4_194_304,
  secureCookie: true,
};

function fail(field: string, requirement: string, got: unknown): never {
  throw createError(ERROR_CODES.INVALID_OPTION, { field: `config.tokens.${field}`, requirement, got });
}

/** Checks the config's `tokens` section and fills its defaults. */
export function resolveTokensConfig(input: TokensConfigInput): TokensConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('', 'must be an object (an empty one: every default)', input);
  const known = Object.keys(DEFAULT_TOKENS_CONFIG);
  for (const key of Object.keys(input)) if (!known.includes(key)) fail(key, `is not a tokens option (known: ${known.join(', ')})`, (input as Record<string, unknown>)[key]);
  const config: TokensConfig = { ...DEFAULT_TOKENS_CONFIG, ...input };
  const int = (field: 'perSessionPerDay' | 'perIpPerDay' | 'maxClientsPerDay' | 'keyDays' | 'maxSpentPerKey', min: number, max: number) => {
    if (!Number.isInteger(config[field]) || config[field] < min || config[field] > max) fail(field, `must be an integer from ${min} to ${max}`, config[field]);
  };
  int('perSessionPerDay', 0, 10_000);
  int('perIpPerDay', 0, 1_000_000);
  int('maxClientsPerDay', 1, 100_000_000);
  int('keyDays', 1, 366);
  int('maxSpentPerKey', 1, 1 << 28);
  if (config.perSessionPerDay === 0 && config.perIpPerDay === 0) fail('perIpPerDay', 'or perSessionPerDay must be above 0: the issuer must count clients somehow', 0);
  if (typeof config.keyDir !== 'string' || config.keyDir === '') fail('keyDir', 'must be a folder path', config.keyDir);
  if (typeof config.issuerName !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(config.issuerName)) fail('issuerName', 'must be 1 to 255 printable ASCII characters', config.issuerName);
  if (config.clientIp !== 'socket' && config.clientIp !== 'x-forwarded-for') fail('clientIp', 'must be "socket" or "x-forwarded-for"', config.clientIp);
  if (typeof config.secureCookie !== 'boolean') fail('secureCookie', 'must be true or false', config.secureCookie);
  return config;
}
