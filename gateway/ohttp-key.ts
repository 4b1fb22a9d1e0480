import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ohttpSuite } from '../src/core/ohttp/encapsulation.js';
import { encodeKeyConfigList, OHTTP_SUITE, type KeyConfig } from '../src/core/ohttp/key-config.js';

/** The gateway's Oblivious HTTP key: the private half stays in `keyFile`; the key configuration is public. */
export interface OhttpKey {
  keyId: number;
  privateKey: CryptoKey;
  config: KeyConfig;
  /** The `application/ohttp-keys` body the gateway serves at GET /ohttp-keys. */
  keysBody: Uint8Array;
}

interface KeyFile {
  format: 'edgereco-ohttp-key';
  version: 1;
  keyId: number;
  /** The X25519 private key, base64 (32 bytes). */
  privateKey: string;
  /** Its public key, base64 (32 bytes). */
  publicKey: string;
}

/**
 * Loads the gateway's OHTTP key from `file`, or creates one there (mode 0600) the first time. Rotating: move the file
 * away and restart; clients fetch the key configuration again when a request is refused with 422.
 */
export async function loadOhttpKey(file: string): Promise<OhttpKey> {
  const kem = ohttpSuite().kem;
  let stored: KeyFile;
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
    if (stored.format !== 'edgereco-ohttp-key' || stored.version !== 1) throw new Error(`edgereco gateway: ${file} is not an edgereco OHTTP key file (version 1)`);
  } else {
    const pair = await kem.generateKeyPair();
    const raw = new Uint8Array(await kem.serializePrivateKey(pair.privateKey));
    const keyId = new Uint8Array(1);
    globalThis.crypto.getRandomValues(keyId);
    const pub = new Uint8Array(await kem.serializePublicKey(pair.publicKey));
    stored = { format: 'edgereco-ohttp-key', version: 1, keyId: keyId[0]!, privateKey: Buffer.from(raw).toString('base64'), publicKey: Buffer.from(pub).toString('base64') };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(stored)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    chmodSync(file, 0o600);
  }
  const privateKey = await kem.deserializePrivateKey(Buffer.from(stored.privateKey, 'base64'));
  const publicKey = new Uint8Array(Buffer.from(stored.publicKey, 'base64'));
  await kem.deserializePublicKey(publicKey);
  const config = keyConfigOf(stored.keyId, publicKey);
  return { keyId: stored.keyId, privateKey, config, keysBody: encodeKeyConfigList([config]) };
}

/** The key configuration (RFC 9458 section 3, the suite edgereco uses) of public key `publicKey` under `keyId`. */
export function keyConfigOf(keyId: number, publicKey: Uint8Array): KeyConfig {
  return { keyId, kemId: OHTTP_SUITE.kem, publicKey, suites: [{ kdfId: OHTTP_SUITE.kdf, aeadId: OHTTP_SUITE.aead }] };
}

/** A fresh key pair in memory (nothing written), with its key configuration: for tests, benches and short-lived keys. */
export async function generateKey(keyId: number): Promise<{ keyId: number; privateKey: CryptoKey; config: KeyConfig }> {
  const kem = ohttpSuite().kem;
  const pair = await kem.generateKeyPair();
  return { keyId, privateKey: pair.privateKey, config: keyConfigOf(keyId, new Uint8Array(await kem.serializePublicKey(pair.publicKey))) };
}
