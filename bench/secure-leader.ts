/**
 * What the secure mode's aggregators cost per report (issue 16): `npx tsx bench/secure-leader.ts [reports] [length]`
 * builds `reports` browser reports over a domain of `length` items (default 40 over the Games catalog, 23,715) with
 * the SDK's code, then runs them through a leader and a helper over real HTTP in one job (the leader's default batch
 * is 200) and prints the time per report and the process's peak memory (RSS), for BENCHMARKS.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toBase64url } from '../src/core/base64url.js';
import { generateKey } from '../gateway/ohttp-key.js';
import { buildSecureReport, type SecureReport } from '../src/core/secure/report.js';
import { SecureAggregator, SecureLeader, secureHelperRoutes } from '../gateway/secure-aggregation.js';

const reports = Number(process.argv[2] ?? 40);
const length = Number(process.argv[3] ?? 23_715);
const keys = await Promise.all([1, 2].map((keyId) => generateKey(keyId)));
const taskId = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
const verifyKey = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
const task = { taskId, length, maxItems: 8, leaderKey: keys[0]!.config, helperKey: keys[1]!.config };
let t = performance.now();
const built: SecureReport[] = [];
for (let i = 0; i < reports; i++) built.push(await buildSecureReport(task, '2026-12-07', Array.from({ length: 8 }, (_, j) => (i * 131 + j * 977) % length)));
const buildMs = (performance.now() - t) / reports;
const helper = new SecureAggregator(1, { taskId, length, key: keys[1]!, verifyKey, sigma: 9.54 });
const routes = secureHelperRoutes(helper, 'bench-secret-0123456789');
const server = createServer((req, res) => void routes(req, res).then((h) => h || res.writeHead(404).end()));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const leader = new SecureLeader(new SecureAggregator(0, { taskId, length, key: keys[0]!, verifyKey, sigma: 9.54 }), `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'bench-secret-0123456789');
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
t = performance.now();
const result = await leader.aggregate(built, 'bench');
const jobMs = performance.now() - t;
clearInterval(sampler);
server.close();
console.log(JSON.stringify({ reports, length, accepted: result.accepted, build_ms_per_report: Math.round(buildMs), job_ms_per_report_both_aggregators: Math.round(jobMs / reports), peak_rss_mb: Math.round(peak / 1e6), note: 'leader and helper in one process: the per-aggregator cost is about half' }));
