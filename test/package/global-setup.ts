import type { TestProject } from 'vitest/node';
import { cleanUp, packWorkspace, sharedTools, timed } from './harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The SDK's tarball (`npm pack` of the repository root; its prepack builds dist/). */
    sdkTarball: string;
    /** The folder with the shop tools installed from the registry (vite, typescript, webpack, webpack-cli, esbuild). */
    shopTools: string;
  }
}

/** The tools every shop uses, from the npm registry, installed once per run. */
export const SHOP_TOOLS = { vite: '^8.0.0', typescript: '~6.0.3', webpack: '^5.100.0', 'webpack-cli': '^7.0.0', esbuild: '^0.28.0' };

/** Packs the SDK and installs the shop tools once (in parallel); the test files share both. */
export default async function setup(project: TestProject): Promise<() => void> {
  const [sdkTarball, shopTools] = await Promise.all([timed('npm pack (SDK, with its prepack build)', () => packWorkspace('.')), timed('shop tools install', () => sharedTools(SHOP_TOOLS))]);
  project.provide('sdkTarball', sdkTarball);
  project.provide('shopTools', shopTools);
  return () => cleanUp();
}
