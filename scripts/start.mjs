// `npm start`: builds the SDK (all of dist/, types too, as `npm run build`) and serves the demo storefront on localhost.
import { execSync } from 'node:child_process';
import { ROOT, serve } from './serve.mjs';

execSync('npx vite build --logLevel warn && npx vite build --mode worker --logLevel warn && npx vite build --mode embed --logLevel warn && npx tsc -p tsconfig.build.json', { cwd: ROOT, stdio: 'inherit' });
const port = Number(process.env.PORT ?? 5173);
const server = await serve({ port, routes: { '/': '/demo/index.html', '/favicon.ico': '/demo/favicon.svg' } });
console.log(`edgereco demo storefront: ${server.url}/   (Ctrl+C to stop)`);
console.log(`electronics store:        ${server.url}/demo/electronics.html`);
console.log(`script-tag embed page:    ${server.url}/demo/embed.html`);
