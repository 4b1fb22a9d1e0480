// Stand-in for helper C's test/package/harness.ts until it is merged: packs workspaces and installs tarballs into fresh
// folders, with the one shared npm cache.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const PACKS = join(ROOT, 'test-results', 'packs');

/** `npm pack` of a workspace folder ('.' for the SDK); returns the tarball's path. Runs prepack (the build). */
export function pack(folder: string): string {
  mkdirSync(PACKS, { recursive: true });
  if (folder === '.' && !existsSync(join(ROOT, 'dist', 'types'))) execSync('npm run build --silent', { cwd: ROOT, stdio: 'pipe' });
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', PACKS, ...(folder === '.' ? [] : ['-w', folder])], { cwd: ROOT, encoding: 'utf8' });
  return join(PACKS, out.trim().split('\n').at(-1)!);
}

/** A fresh folder with a package.json and these tarballs installed (and `extra` registry packages). */
export function freshProject(name: string, tarballs: string[], extra: string[] = [], pkg: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `edgereco-${name}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module', ...pkg }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...extra], { cwd: dir, stdio: 'pipe' });
  return dir;
}
