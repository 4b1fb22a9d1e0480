import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { OHTTP_SUITE, type KeyConfig } from './key-config.js';

/**
 * Oblivious HTTP message encapsulation (RFC 9458, section 4) for the suite DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-128-GCM. All the cryptography is @hpke/core's (HPKE, RFC 9180: the KEM, the key schedule, the exporter and the
 * AEAD) and Web Crypto's (the response's HKDF); this file only lays out the bytes the RFC specifies:
 *
 *   request:  hdr = key_id | kem_id | kdf_id | aead_id; info = "message/bhttp request" | 0x00 | hdr;
 *             enc, ctx = SetupBaseS(pkR, info); enc_request = hdr | enc | ctx.Seal("", bhttp_request)
 *   response: secret = ctx.Export("message/bhttp response", max(Nn, Nk)); nonce = random(max(Nn, Nk));
 *             prk = Extract(enc | nonce, secret); key = Expand(prk, "key", Nk); iv = Expand(prk, "nonce", Nn);
 *             enc_response = nonce | Seal(key, iv, "", bhttp_response)
 *
 * Checked against the test vector of RFC 9458, appendix A (test/unit/ohttp.test.ts).
 */

const REQUEST_LABEL = 'message/bhttp request';
const RESPONSE_LABEL = 'message/bhttp response';
const NK = 16;
const NN = 12;
const RESPONSE_NONCE = Math.max(NK, NN);
const ENC_BYTES = 32;
const HEADER_BYTES = 7;

const text = new TextEncoder();
let cached: CipherSuite | undefined;

/** The HPKE suite (one instance). */
export function ohttpSuite(): CipherSuite {
  cached ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  return cached;
}

/** The parts, one after the other, in a new array. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function header(keyId: number): Uint8Array {
  const hdr = new Uint8Array(HEADER_BYTES);
  const view = new DataView(hdr.buffer);
  view.setUint8(0, keyId);
  view.setUint16(1, OHTTP_SUITE.kem);
  view.setUint16(3, OHTTP_SUITE.kdf);
  view.setUint16(5, OHTTP_SUITE.aead);
  return hdr;
}

const requestInfo = (hdr: Uint8Array) => concat(text.encode(REQUEST_LABEL), Uint8Array.of(0), hdr);

/**
 * The response's AEAD key and nonce: Expand(Extract(enc | nonce, secret), label, length) is HKDF (RFC 5869) with that
 * salt, so Web Crypto's HKDF computes it (@hpke/core's HKDF takes only salts of the hash's length; this one is 48 bytes).
 */
async function responseKeys(secret: ArrayBuffer, enc: Uint8Array, nonce: Uint8Array) {
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  const salt = concat(enc, nonce);
  const derive = (label: string, bytes: number) => subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: text.encode(label) }, ikm, bytes * 8);
  const [key, iv] = await Promise.all([derive('key', NK), derive('nonce', NN)]);
  return { aead: ohttpSuite().aead.createEncryptionContext(key), iv };
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A request encapsulated for the gateway, and how to open its response. */
export interface EncapsulatedRequest {
  bytes: Uint8Array<ArrayBuffer>;
  openResponse(encResponse: Uint8Array): Promise<Uint8Array>;
}

/**
 * Encapsulates a Binary HTTP request (RFC 9292) for the gateway whose key configuration is `config`. `ephemeral`
 * fixes the sender's ephemeral key (the RFC's test vector only).
 */
export async function encapsulateRequest(config: KeyConfig, bhttpRequest: Uint8Array, ephemeral?: CryptoKeyPair): Promise<EncapsulatedRequest> {
  const suite = ohttpSuite();
  const hdr = header(config.keyId);
  const recipientPublicKey = await suite.kem.deserializePublicKey(config.publicKey);
  const sender = await suite.createSenderContext({ recipientPublicKey, info: requestInfo(hdr), ...(ephemeral ? { ekm: ephemeral } : {}) });
  const enc = new Uint8Array(sender.enc);
  const ct = new Uint8Array(await sender.seal(bhttpRequest));
  const secret = await sender.export(text.encode(RESPONSE_LABEL), RESPONSE_NONCE);
  return {
    bytes: concat(hdr, enc, ct),
    async openResponse(encResponse: Uint8Array): Promise<Uint8Array> {
      if (encResponse.length < RESPONSE_NONCE + 16) throw new RangeError('edgereco: OHTTP response too short');
      const nonce = encResponse.subarray(0, RESPONSE_NONCE);
      const { aead, iv } = await responseKeys(secret, enc, nonce);
      return new Uint8Array(await aead.open(iv, encResponse.subarray(RESPONSE_NONCE), new Uint8Array(0)));
    },
  };
}

/** A request the gateway opened, and how to encapsulate its response. */
export interface DecapsulatedRequest {
  bhttpRequest: Uint8Array;
  sealResponse(bhttpResponse: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array>;
}

/** Why a request could not be opened: the gateway answers 400 (bad header or ciphertext) or 422 (unknown key). */
export class OhttpError extends Error {
  constructor(message: string, readonly status: 400 | 422) {
    super(`edgereco: OHTTP: ${message}`);
  }
}

/** Opens an encapsulated request with the gateway's key (RFC 9458, section 4.3, the gateway's side). */
export async function decapsulateRequest(key: { keyId: number; privateKey: CryptoKey }, bytes: Uint8Array): Promise<DecapsulatedRequest> {
  if (bytes.length < HEADER_BYTES + ENC_BYTES + 16) throw new OhttpError('request too short', 400);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== key.keyId) throw new OhttpError(`unknown key id ${view.getUint8(0)}`, 422);
  if (view.getUint16(1) !== OHTTP_SUITE.kem || view.getUint16(3) !== OHTTP_SUITE.kdf || view.getUint16(5) !== OHTTP_SUITE.aead) throw new OhttpError('unsupported HPKE suite', 422);
  const hdr = bytes.slice(0, HEADER_BYTES);
  const enc = bytes.slice(HEADER_BYTES, HEADER_BYTES + ENC_BYTES);
  const suite = ohttpSuite();
  let request: Uint8Array;
  let secret: ArrayBuffer;
  try {
    const recipient = await suite.createRecipientContext({ recipientKey: key.privateKey, enc, info: requestInfo(hdr) });
    request = new Uint8Array(await recipient.open(bytes.subarray(HEADER_BYTES + ENC_BYTES)));
    secret = await recipient.export(text.encode(RESPONSE_LABEL), RESPONSE_NONCE);
  } catch {
    throw new OhttpError('the request could not be decrypted', 400);
  }
  return {
    bhttpRequest: request,
    async sealResponse(bhttpResponse: Uint8Array, nonce = randomBytes(RESPONSE_NONCE)): Promise<Uint8Array> {
      const { aead, iv } = await responseKeys(secret, enc, nonce);
      return concat(nonce, new Uint8Array(await aead.seal(iv, bhttpResponse, new Uint8Array(0))));
    },
  };
}
