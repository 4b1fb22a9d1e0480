import { BHttpDecoder, BHttpEncoder } from 'bhttp-js';
import { describe, expect, it } from 'vitest';
import { decapsulateRequest, encapsulateRequest, ohttpSuite } from '../../../src/core/ohttp/encapsulation.js';
import { decodeKeyConfig, decodeKeyConfigList, encodeKeyConfig, encodeKeyConfigList, supportedKeyConfig } from '../../../src/core/ohttp/key-config.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

/** RFC 9458, appendix A. */
const A = {
  skR: '3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a',
  skE: 'bc51d5e930bda26589890ac7032f70ad12e4ecb37abb1b65b1256c9c48999c73',
  pkE: '4b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472',
  keyConfig: '01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003',
  request: '00034745540568747470730b6578616d706c652e636f6d012f',
  encRequest:
    '010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b4726374e469135906992e1268c594d2a10c695d858c40a026e7965e7d86b83dd440b2c0185204b4d63525',
  response: '0140c8',
  responseNonce: 'c789e7151fcba46158ca84b04464910d',
  encResponse: 'c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f857fbd',
};

describe('Oblivious HTTP (RFC 9458) on @hpke/core', () => {
  it('parses and re-encodes the RFC key configuration', () => {
    const config = decodeKeyConfig(hex(A.keyConfig));
    expect(config.keyId).toBe(1);
    expect(config.kemId).toBe(0x20);
    expect(toHex(config.publicKey)).toBe('31e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e798155');
    expect(config.suites).toEqual([{ kdfId: 1, aeadId: 1 }, { kdfId: 1, aeadId: 3 }]);
    expect(toHex(encodeKeyConfig(config))).toBe(A.keyConfig);
    expect(decodeKeyConfigList(encodeKeyConfigList([config, config]))).toHaveLength(2);
    expect(supportedKeyConfig([config])).toBe(config);
    expect(() => decodeKeyConfig(hex(A.keyConfig).subarray(0, 30))).toThrow(/too short/);
  });

  it('encapsulates the RFC request to the byte with its ephemeral key, and the gateway side gives the RFC response', async () => {
    const config = decodeKeyConfig(hex(A.keyConfig));
    const kem = ohttpSuite().kem;
    const ephemeral = { privateKey: await kem.deserializePrivateKey(hex(A.skE)), publicKey: await kem.deserializePublicKey(hex(A.pkE)) };
    const client = await encapsulateRequest(config, hex(A.request), ephemeral);
    expect(toHex(client.bytes)).toBe(A.encRequest);
    const privateKey = await ohttpSuite().kem.deserializePrivateKey(hex(A.skR));
    const gateway = await decapsulateRequest({ keyId: 1, privateKey }, client.bytes);
    expect(toHex(gateway.bhttpRequest)).toBe(A.request);
    const sealed = await gateway.sealResponse(hex(A.response), hex(A.responseNonce));
    expect(toHex(sealed)).toBe(A.encResponse);
    expect(toHex(await client.openResponse(sealed))).toBe(A.response);
  });

  it('round-trips a produce request through BHTTP, and refuses a tampered, truncated or foreign-key request', async () => {
    const suite = ohttpSuite();
    const pair = await suite.kem.generateKeyPair();
    const config = { keyId: 7, kemId: 0x20, publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)), suites: [{ kdfId: 1, aeadId: 1 }] };
    const body = '{"records":[{"value":{"v":2,"id":"abc"}}]}';
    const inner = await new BHttpEncoder().encodeRequest(new Request('https://gateway.invalid/topics/edgereco-reports', { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json', 'x-edgereco-key': 'pk_test_key' }, body }));
    const client = await encapsulateRequest(config, inner);
    expect(new TextDecoder().decode(client.bytes)).not.toContain('records');
    const opened = await decapsulateRequest({ keyId: 7, privateKey: pair.privateKey }, client.bytes);
    const request = new BHttpDecoder().decodeRequest(opened.bhttpRequest);
    expect(new URL(request.url).pathname).toBe('/topics/edgereco-reports');
    expect(request.headers.get('x-edgereco-key')).toBe('pk_test_key');
    expect(await request.text()).toBe(body);
    const reply = await opened.sealResponse(await new BHttpEncoder().encodeResponse(new Response('{"offsets":[]}', { status: 200 })));
    const response = new BHttpDecoder().decodeResponse(await client.openResponse(reply));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"offsets":[]}');

    const tampered = client.bytes.slice();
    tampered[tampered.length - 1]! ^= 1;
    await expect(decapsulateRequest({ keyId: 7, privateKey: pair.privateKey }, tampered)).rejects.toMatchObject({ status: 400 });
    await expect(decapsulateRequest({ keyId: 7, privateKey: pair.privateKey }, client.bytes.subarray(0, 20))).rejects.toMatchObject({ status: 400 });
    await expect(decapsulateRequest({ keyId: 8, privateKey: pair.privateKey }, client.bytes)).rejects.toMatchObject({ status: 422 });
  });
});
