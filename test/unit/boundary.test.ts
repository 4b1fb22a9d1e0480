import { ESLint } from 'eslint';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the runtime/research boundary', () => {
  it('fails the lint when anything under src/ imports the CLI\'s training, dataset or evaluation code, even a type', async () => {
    for (const [file, spec] of [
      ['src/model/probe.ts', '../../models/cli/evaluation/leave-one-out.js'],
      ['src/worker/probe.ts', '../../models/cli/training/encode-bundle.js'],
      ['src/core/probe.ts', '../../models/cli/datasets/event-csv.js'],
      ['src/client/probe.ts', '../../models/cli/main.js'],
      ['src/search/probe.ts', '../../gateway/index.js'],
    ] as const) {
      const messages = await restrictedImports(`import type { X } from '${spec}';\nexport type Y = X;\n`, file);
      expect(messages, file).toEqual([expect.stringMatching(/src\/ is the shipped runtime/)]);
    }
  });

  it('lets the CLI import the runtime, and the runtime its own modules', async () => {
    expect(await restrictedImports("import { neighbourSums } from '../../src/model/cooccurrence-walk.js';\nexport const f = neighbourSums;\n", 'models/cli/probe.ts')).toEqual([]);
    expect(await restrictedImports("import { neighbourSums } from './cooccurrence-walk.js';\nexport const f = neighbourSums;\n", 'src/model/probe.ts')).toEqual([]);
  });

  it('keeps research names out of the runtime: no module under src/ is named for datasets, evaluation or training', () => {
    const files = (readdirSync(`${root}src`, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.filter((f) => /(dataset|evaluat|train|baseline-knn|item-knn|leave-one-out|hadamard)/.test(f))).toEqual([]);
  });
});

