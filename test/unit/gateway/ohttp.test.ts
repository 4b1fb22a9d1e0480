import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect, createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, resolveGatewayConfig, startGateway, type Gateway } from '../../../gateway/index.js';
import { loadOhttpKey } from '../../../gateway/ohttp-key.js';
import { startRelay, type Relay, type RelayLogEntry } from '../../../gateway/relay.js';
import { decodeKeyConfigList } from '../../../src/core/ohttp/key-config.js';
import { ohttpFetch } from '../../../src/sync/ohttp-fetch.js';
import { KAFKA_JSON_V2 } from '../../../src/sync/report-sender.js';
import { KEY, ORIGIN, TOPIC, headers, produceBody, send, validReport } from './helpers.js';

let dir: string;
let gateway: Gateway;
let relay: Relay;
let tap: Server;
const relayLog: RelayLogEntry[] = [];
/** What reached the gateway's port, byte for byte, and from which addresses. */
const wire: { from: string; bytes: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgereco-ohttp-'));
  const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [ORIGIN] }], topics: [TOPIC], sink: { kind: 'file', path: join(dir, 'reports.jsonl') }, ohttp: { keyFile: join(dir, 'key.json'), required: true } });
  const ohttpKey = await loadOhttpKey(config.ohttp!.keyFile!);
  gateway = await startGateway(config, { sink: await createFileSink(join(dir, 'reports.jsonl'), config.topics), log: () => {}, ohttpKey });
  // A TCP tap in front of the gateway: records every byte and the peer address of every connection.
  const target = new URL(gateway.url);
  const tcp = createTcpServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    const entry = { from: socket.remoteAddress ?? '', bytes: '' };
    wire.push(entry);
    socket.on('data', (d) => (entry.bytes += d.toString('latin1')));
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  tap = tcp;
  const tapUrl = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  relay = await startRelay({ gateway: `${tapUrl}/ohttp`, port: 0, origins: [ORIGIN], localAddress: '127.0.0.2', log: (e) => relayLog.push(e) });
});
afterAll(async () => {
  await relay.close();
  tap.close();
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

const client = () => ohttpFetch({ relayUrl: relay.url, keysUrl: `${relay.url}/ohttp-keys`, fetch: (u, i) => fetch(u, i) });

describe('Oblivious HTTP: SDK → relay → gateway', () => {
  it('keeps the private key in a 0600 file and publishes only the key configuration', async () => {
    expect((await stat(join(dir, 'key.json'))).mode & 0o777).toBe(0o600);
    const body = new Uint8Array(await (await fetch(`${relay.url}/ohttp-keys`)).arrayBuffer());
    const [config] = decodeKeyConfigList(body);
    expect(config!.kemId).toBe(0x20);
    expect(config!.publicKey).toHaveLength(32);
  });

  it('delivers an encapsulated produce call: the gateway counts it, sees only the relay, and no one in between sees the report', async () => {
    const report = validReport('sku-ohttp');
    const response = await client()(`${gateway.url}/topics/${TOPIC}`, { method: 'POST', headers: { 'Content-Type': KAFKA_JSON_V2, 'X-EdgeReco-Key': KEY }, body: produceBody([report]) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { offsets: unknown[] }).offsets).toHaveLength(1);
    const stored = (await readFile(join(dir, 'reports.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { value: { id: string } });
    expect(stored.map((s) => s.value.id)).toContain(report.id);
    // On the gateway's wire: only the relay's address, no client header, and the report only as ciphertext.
    const posts = wire.filter((w) => w.bytes.includes('POST /ohttp'));
    expect(posts.length).toBeGreaterThan(0);
    for (const w of wire) {
      expect(w.from).toBe('127.0.0.2');
      expect(w.bytes.toLowerCase()).not.toMatch(/x-forwarded-for|forwarded:|x-real-ip|origin:|user-agent:|cookie:/);
      expect(w.bytes).not.toContain(report.id);
    }
    expect(relayLog.at(-1)).toMatchObject({ route: '/', status: 200 });
    expect(JSON.stringify(relayLog)).not.toContain('127.0.0.1');
  });

  it('refuses direct reports when the site requires the relay, and what the gateway refuses inside comes back inside', async () => {
    const direct = await send(gateway.url, { headers: headers(), body: produceBody([validReport()]) });
    expect(direct.status).toBe(403);
    expect(direct.json().error_code).toBe(40302);
    const refused = await client()(`${gateway.url}/topics/${TOPIC}`, { method: 'POST', headers: { 'Content-Type': KAFKA_JSON_V2, 'X-EdgeReco-Key': KEY }, body: produceBody([validReport('x', 0.5)]) });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error_code: number }).error_code).toBe(42202);
    const badKey = await client()(`${gateway.url}/topics/${TOPIC}`, { method: 'POST', headers: { 'Content-Type': KAFKA_JSON_V2, 'X-EdgeReco-Key': 'pk_unknown_key' }, body: produceBody([validReport()]) });
    expect(badKey.status).toBe(401);
  });

  it('answers a 5xx (the sender keeps the reports and retries) when the relay cannot reach the gateway, and 400 to bytes that are not a request for its key', async () => {
    const dead = await startRelay({ gateway: 'http://127.0.0.1:9/ohttp', keys: `${relay.url}/ohttp-keys`, port: 0, log: () => {} });
    const response = await ohttpFetch({ relayUrl: dead.url, keysUrl: `${relay.url}/ohttp-keys`, fetch: (u, i) => fetch(u, i) })(`${gateway.url}/topics/${TOPIC}`, { method: 'POST', headers: { 'X-EdgeReco-Key': KEY }, body: '{}' });
    expect(response.status).toBe(502);
    await dead.close();
    const garbage = await fetch(`${relay.url}/`, { method: 'POST', headers: { 'Content-Type': 'message/ohttp-req' }, body: new Uint8Array(200) });
    expect([400, 422]).toContain(garbage.status);
  });
});
