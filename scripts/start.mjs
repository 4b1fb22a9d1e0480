// `npm start`: builds the SDK (all of dist/, types too, as `npm run build`), serves the demo storefront on localhost,
// and runs the demo's local gateway (scripts/demo-gateway.mjs): the ingest service the demo's outcome reports go to,
// an aggregation whenever reports arrived, and the store's dashboard at /dashboard. The demo's page learns the
// gateway's address from /demo/sync.json, which this script serves (the checked-in demo/sync.json has no gateway).
import { execSync } from 'node:child_process';
import { startDemoGateway } from './demo-gateway.mjs';
import { ROOT, serve } from './serve.mjs';

execSync('npx vite build --logLevel warn && npx vite build --mode worker --logLevel warn && npx vite build --mode embed --logLevel warn && npx tsc -p tsconfig.build.json', { cwd: ROOT, stdio: 'inherit' });
const port = Number(process.env.PORT ?? 5173);
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8787);
const adminKey = process.env.EDGERECO_ADMIN_KEY ?? 'demo-admin-key-local-only';
const gateway = await startDemoGateway({ sitePort: port, gatewayPort, adminKey });
const server = await serve({ port, routes: { '/': '/demo/index.html', '/favicon.ico': '/demo/favicon.svg', '/demo/sync.json': gateway.syncFile } }).catch(async (error) => {
  await gateway.close();
  throw error;
});
console.log(`edgereco demo storefront: ${server.url}/   (Ctrl+C to stop)`);
console.log(`electronics store:        ${server.url}/demo/electronics.html`);
console.log(`script-tag embed page:    ${server.url}/demo/embed.html`);
console.log(`the shop's dashboard:     ${gateway.gatewayUrl}/dashboard   (any user name; password: the admin key "${adminKey}"; EDGERECO_ADMIN_KEY sets it)`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void Promise.all([gateway.close(), server.close()]).then(() => process.exit(0));
  });
}
