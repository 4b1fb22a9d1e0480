/**
 * Oblivious HTTP key configurations (RFC 9458, section 3): what a client needs to encapsulate a request for an
 * Oblivious Gateway Resource. Byte layout only; the cryptography is @hpke/core's (see encapsulation.ts).
 *
 *   Key Config { Key Identifier (8), HPKE KEM ID (16), HPKE Public Key (Npk · 8),
 *                HPKE Symmetric Algorithms Length (16), HPKE Symmetric Algorithms { KDF ID (16), AEAD ID (16) } ... }
 *
 * `application/ohttp-keys` (section 3.2) is a sequence of key configurations, each preceded by its length (16 bits).
 */

/** The one suite edgereco's gateway offers and its clients use: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. */
export const OHTTP_SUITE = { kem: 0x0020, kdf: 0x0001, aead: 0x0001 } as const;

/** Content types of RFC 9458. */
export const OHTTP_REQUEST_TYPE = 'message/ohttp-req';
export const OHTTP_RESPONSE_TYPE = 'message/ohttp-res';
export const OHTTP_KEYS_TYPE = 'application/ohttp-keys';

/** Public key lengths (Npk) of the KEMs a key config may name. */
const PUBLIC_KEY_BYTES: Record<number, number> = { 0x0010: 65, 0x0011: 97, 0x0012: 133, 0x0020: 32, 0x0021: 56 };

export interface KeyConfig {
  keyId: number;
  kemId: number;
  publicKey: Uint8Array;
  /** The (KDF, AEAD) pairs the gateway accepts with this key. */
  suites: { kdfId: number; aeadId: number }[];
}

function fail(message: string): never {
  throw new RangeError(`edgereco: OHTTP key configuration: ${message}`);
}

/** One key configuration in its wire form. */
export function encodeKeyConfig(config: KeyConfig): Uint8Array {
  const out = new Uint8Array(3 + config.publicKey.length + 2 + 4 * config.suites.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, config.keyId);
  view.setUint16(1, config.kemId);
  out.set(config.publicKey, 3);
  let at = 3 + config.publicKey.length;
  view.setUint16(at, 4 * config.suites.length);
  at += 2;
  for (const s of config.suites) {
    view.setUint16(at, s.kdfId);
    view.setUint16(at + 2, s.aeadId);
    at += 4;
  }
  return out;
}

/** Parses one key configuration (exactly `bytes`). */
export function decodeKeyConfig(bytes: Uint8Array): KeyConfig {
  if (bytes.length < 3) fail('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyId = view.getUint8(0);
  const kemId = view.getUint16(1);
  const npk = PUBLIC_KEY_BYTES[kemId];
  if (npk === undefined) fail(`unknown KEM 0x${kemId.toString(16)}`);
  if (bytes.length < 3 + npk + 2) fail('too short for its public key');
  const publicKey = bytes.slice(3, 3 + npk);
  const length = view.getUint16(3 + npk);
  if (length < 4 || length % 4 !== 0 || bytes.length !== 3 + npk + 2 + length) fail('bad symmetric algorithms length');
  const suites: KeyConfig['suites'] = [];
  for (let at = 3 + npk + 2; at < bytes.length; at += 4) suites.push({ kdfId: view.getUint16(at), aeadId: view.getUint16(at + 2) });
  return { keyId, kemId, publicKey, suites };
}

/** An `application/ohttp-keys` body: each configuration preceded by its 16-bit length. */
export function encodeKeyConfigList(configs: readonly KeyConfig[]): Uint8Array {
  const encoded = configs.map(encodeKeyConfig);
  const out = new Uint8Array(encoded.reduce((n, e) => n + 2 + e.length, 0));
  let at = 0;
  for (const e of encoded) {
    new DataView(out.buffer).setUint16(at, e.length);
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** Parses an `application/ohttp-keys` body. */
export function decodeKeyConfigList(bytes: Uint8Array): KeyConfig[] {
  const out: KeyConfig[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; ) {
    if (at + 2 > bytes.length) fail('truncated list');
    const length = view.getUint16(at);
    if (at + 2 + length > bytes.length) fail('truncated list');
    out.push(decodeKeyConfig(bytes.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return out;
}

/** The first configuration whose KEM and a (KDF, AEAD) pair are edgereco's suite, or null. */
export function supportedKeyConfig(configs: readonly KeyConfig[]): KeyConfig | null {
  return configs.find((c) => c.kemId === OHTTP_SUITE.kem && c.suites.some((s) => s.kdfId === OHTTP_SUITE.kdf && s.aeadId === OHTTP_SUITE.aead)) ?? null;
}
