/**
 * The package test's harness: real tarballs, fresh projects, real HTTP, real Chromium. Nothing here imports from
 * src/: a shop sees only what `npm pack` put in the tarball.
 *
 * - `packWorkspace(dir)`: `npm pack` of the package in `dir` (its `prepack` builds it) into one temp folder shared by
 *   the run; resolves with the tarball's absolute path. Packs each folder once per process.
 * - `tempDir(name)`: a fresh empty folder under the run's temp root (removed by `cleanUp()`).
 * - `sharedTools(packages)`: one project holding the shop tools from the npm registry (vite, typescript, webpack, …),
 *   installed once per run; shops made with `makeProject(…, { tools })` live inside it and find the tools in its
 *   node_modules (as in a monorepo), so each shop installs only its own tarball(s).
 * - `makeProject(name, { dependencies, files, tools? })`: a fresh project (package.json with `dependencies`: tarball
 *   paths or registry ranges, plus `files`: relative path → content) and `npm install` in it; resolves with its folder.
 * - `run(command, args, { cwd, env?, timeoutMs? })`: runs a command, resolves with { stdout, stderr } or rejects with
 *   both in the message (exit code ≠ 0 or timeout).
 * - `startServer(command, args, { cwd, ready })`: a long-running command (`vite dev`, `vite preview`, a gateway); waits
 *   until its output matches `ready` (a RegExp whose first group, if any, is the URL) and resolves { url, output, stop }.
 * - `serveFolder(root, { cors? })`: a static HTTP server on 127.0.0.1 (scripts/serve.mjs); resolves { url, close }.
 * - `openPage(browser, url, ready?)`: a new context and page at `url`, with console errors and page errors collected
 *   into `errors` (drive it with `page.evaluate`); `close()` closes the context.
 * - `launch()` (re-exported from test/browser/chromium.ts): Debian's Chromium, headless.
 * - `copyInto(from, to)`: copies a file or folder of this repository (demo data, a model bundle) into a project, as
 *   the store's own data.
 * - `timed(label, fn)`: runs `fn`, logs and records its seconds (`timings()` lists them).
 * - `npmEnv()`: the environment every npm call gets: one npm cache for the whole run, no audit/fund/update noise.
 * - `freePort()`: a free TCP port on 127.0.0.1 (for `vite preview --port`, `vite --port`).
 * - `tool(tools, name)`: the path of a shop tool's bin in a `sharedTools()` folder (e.g. tool(dir, 'vite')).
 *
 * npm caches a `file:` tarball by its path: every run packs into a new temp folder, so a shop never gets a stale one.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launch, watchErrors } from '../browser/chromium.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';
export { freePort } from '../../scripts/free-port.mjs';

export { launch };
export const REPO = ROOT as string;

let rootDir: string | null = null;
function runRoot(): string {
  // The global setup makes the folder and passes it on, so every test file shares the tarballs and tools.
  rootDir ??= process.env.EDGERECO_PACKAGE_RUN ?? mkdtempSync(join(process.env.EDGERECO_PACKAGE_TMP ?? tmpdir(), 'edgereco-package-'));
  process.env.EDGERECO_PACKAGE_RUN = rootDir;
  return rootDir;
}

export function tempDir(name: string): string {
  const dir = join(runRoot(), name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes the run's temp folder (keep it with EDGERECO_KEEP_PACKAGE_TMP=1 to look at the shops). */
export function cleanUp(): void {
  if (rootDir && process.env.EDGERECO_KEEP_PACKAGE_TMP !== '1') rmSync(rootDir, { recursive: true, force: true });
  rootDir = null;
}

export function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // A store's machine has none of the variables this repository's own test set-up uses: the integration project's
  // KAFKA_BOOTSTRAP would switch a fresh gateway from its site.json sink to that broker.
  const { KAFKA_BOOTSTRAP: _kafka, PORT: _port, EDGERECO_GATEWAY_CONFIG: _config, ...inherited } = process.env;
  return {
    ...inherited,
    npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? tmpdir(), '.npm'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'error',
    npm_config_prefer_offline: 'true',
    // npm's own variables from the test runner (npm test) must not leak into the shops' npm calls.
    npm_config_prefix: '',
    npm_lifecycle_event: '',
    npm_package_json: '',
    ...extra,
  };
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function run(command: string, args: string[], options: RunOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? npmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited ${code ?? signal}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`));
    });
  });
}

const packed = new Map<string, Promise<string>>();

/** `npm pack` of the package in `dir` (relative to the repository root or absolute). */
export function packWorkspace(dir = '.'): Promise<string> {
  const abs = resolve(REPO, dir);
  let tarball = packed.get(abs);
  if (!tarball) {
    const out = join(runRoot(), 'tarballs');
    mkdirSync(out, { recursive: true });
    tarball = run('npm', ['pack', '--json', '--pack-destination', out], { cwd: abs, timeoutMs: 300_000 }).then(({ stdout }) => {
      // The prepack build prints first (under CI=true its lines hold brackets too): npm's JSON starts on a line of its own.
      const start = stdout.search(/^\[\s*$/m);
      if (start < 0) throw new Error(`npm pack --json in ${abs} printed no JSON:\n${stdout.slice(-2000)}`);
      const [info] = JSON.parse(stdout.slice(start)) as { filename: string }[];
      return join(out, info!.filename);
    });
    packed.set(abs, tarball);
  }
  return tarball;
}

export interface ProjectSpec {
  /** name → version range (from the npm registry) or an absolute tarball path. */
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** relative path → file content. */
  files?: Record<string, string>;
  /** A `sharedTools()` folder to create the project inside (its node_modules provide the tools). */
  tools?: string;
  scripts?: Record<string, string>;
}

const spec = (v: string): string => (v.startsWith('/') ? `file:${v}` : v);

export async function makeProject(name: string, project: ProjectSpec = {}): Promise<string> {
  const dir = project.tools ? join(project.tools, name) : tempDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const map = (deps: Record<string, string> = {}) => Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, spec(v)]));
  const pkg = { name, private: true, type: 'module', scripts: project.scripts ?? {}, dependencies: map(project.dependencies), devDependencies: map(project.devDependencies) };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [path, content] of Object.entries(project.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  // --install-links: a tarball is unpacked as a real package, never linked to this repository.
  await run('npm', ['install', '--no-package-lock', '--install-links'], { cwd: dir, timeoutMs: 300_000 });
  return dir;
}

const tools = new Map<string, Promise<string>>();

/** One project with the shop tools from the registry (e.g. { vite: '^8', typescript: '~6.0' }), installed once. */
export function sharedTools(packages: Record<string, string>): Promise<string> {
  const key = JSON.stringify(packages);
  let dir = tools.get(key);
  if (!dir) {
    dir = makeProject(`tools-${tools.size}`, { devDependencies: packages });
    tools.set(key, dir);
  }
  return dir;
}

export interface Server {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

export function startServer(command: string, args: string[], options: RunOptions & { ready: RegExp }): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? npmEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let done = false;
    const stop = (): Promise<void> =>
      new Promise((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('close', () => r());
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          r();
        }
      });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void stop();
      reject(new Error(`${command} ${args.join(' ')} did not get ready in ${options.timeoutMs ?? 60_000} ms:\n${output.slice(-4000)}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (d: Buffer): void => {
      // eslint-disable-next-line no-control-regex
      output += d.toString().replace(/\x1b\[[0-9;]*m/g, '');
      const match = options.ready.exec(output);
      if (match && !done) {
        done = true;
        clearTimeout(timer);
        resolvePromise({ url: match[1] ?? '', output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited ${code} before it was ready:\n${output.slice(-4000)}`));
    });
  });
}

export function serveFolder(root: string, options: { cors?: boolean } = {}): Promise<{ url: string; close: () => Promise<void>; requested: () => string[] }> {
  return serve({ port: 0, root, cors: options.cors ?? false }) as Promise<{ url: string; close: () => Promise<void>; requested: () => string[] }>;
}

export interface OpenedPage {
  page: Page;
  errors: string[];
  close: () => Promise<void>;
}

/** Opens `url` in a fresh context; `ready` is a page expression awaited before returning (e.g. 'window.shopReady'). */
export async function openPage(browser: Browser, url: string, ready?: string): Promise<OpenedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(url);
  if (ready) await page.waitForFunction(ready, undefined, { timeout: 60_000 });
  return { page, errors, close: () => context.close() };
}

export function copyInto(from: string, to: string): void {
  const src = resolve(REPO, from);
  if (!existsSync(src)) throw new Error(`harness: ${from} is not in the repository`);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(src, to, { recursive: true });
}

const seconds: [string, number][] = [];

export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    const s = (performance.now() - t0) / 1000;
    seconds.push([label, s]);
    console.log(`package test: ${label} ${s.toFixed(1)} s`);
  }
}

export function timings(): [string, number][] {
  return [...seconds];
}


export function tool(tools: string, name: string): string {
  return join(tools, 'node_modules', '.bin', name);
}
