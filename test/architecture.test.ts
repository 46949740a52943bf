/**
 * The dependency rule is enforced by lint: these prove the rule bites, not just that it is configured.
 * The import graph is checked here too: folders that must have no import cycles have none.
 */
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

async function importErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    // Type information is not needed for import rules, and the probe file does not exist on disk.
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.map((m) => m.message);
}

describe('layer rule', () => {
  it.each([
    ['src/domain/probe.ts', "import { CosmosClient } from '@azure/cosmos';"],
    ['src/domain/probe.ts', "import { readFile } from 'node:fs';"],
    ['src/domain/probe.ts', "import { Containers } from '../adapters/cosmos/containers';"],
    ['src/domain/probe.ts', "import { getConfig } from '../config';"],
    ['src/app/probe.ts', "import { BlobServiceClient } from '@azure/storage-blob';"],
    ['src/app/probe.ts', "import { CosmosTenantStore } from '../adapters/cosmos/CosmosTenantStore';"],
    ['src/adapters/cosmos/probe.ts', "import { services } from '../../compositionRoot';"],
    // Product code never reaches the embedded runtime, the benchmark or emulator internals.
    ['src/domain/probe.ts', "import { localSettings } from '../local/localSettings';"],
    ['src/app/probe.ts', "import { runBenchmark } from '../../bench/harness';"],
    [
      'src/adapters/cosmos/probe.ts',
      "import { startCosmosEmulator } from '../../local/emulators/startCosmosEmulator';",
    ],
    ['src/functions/probe.ts', "import { startControlPlane } from '../local/controlPlane';"],
    ['src/http/probe.ts', "import { summaries } from '../../bench/summaries';"],
    ['src/probe.ts', "import { localSettings } from './local/localSettings';"],
    ['src/probe.ts', "import createQuery from '@zeit/cosmosdb-query';"],
    [
      'src/adapters/durable/probe.ts',
      "import { Orchestrator } from 'durable-functions/lib/src/orchestrations/Orchestrator';",
    ],
  ])('refuses %s importing: %s', async (file, code) => {
    expect(await importErrors(file, code)).toHaveLength(1);
  });

  it.each([
    ['src/domain/probe.ts', "import { Roles } from './roles';"],
    ['src/app/probe.ts', "import type { TenantStore } from '../ports/TenantStore';"],
    ['src/adapters/cosmos/probe.ts', "import { CosmosClient } from '@azure/cosmos';"],
    ['src/adapters/local-issuer/probe.ts', "import { LocalIssuer } from './LocalIssuer';"],
    ['src/local/probe.ts', "import { getConfig } from '../config';"],
    ['src/local/emulators/probe.ts', "import createQuery from '@zeit/cosmosdb-query';"],
  ])('allows %s importing: %s', async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});

/**
 * Every cycle among the relative imports of `sources` (file → text), each as the files around it,
 * the first repeated last. Type-only imports count: two files that import each other's types still
 * cannot be read, or moved, one without the other.
 */
function importCycles(sources: ReadonlyMap<string, string>): string[][] {
  const imports = new Map(
    [...sources].map(([file, text]) => [
      file,
      ts
        .preProcessFile(text, true, true)
        .importedFiles.map((ref) => ref.fileName)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => join(dirname(file), specifier))
        .flatMap((path) => [`${path}.ts`, join(path, 'index.ts'), path].find((f) => sources.has(f)) ?? []),
    ]),
  );
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    path.push(file);
    for (const next of imports.get(file) ?? []) {
      if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    done.add(file);
  };
  for (const file of [...sources.keys()].sort()) if (!done.has(file)) visit(file);
  return cycles;
}

function typeScriptIn(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
  return new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
}

describe('import graph', () => {
  it.each(['src', 'bench', 'scripts'])('%s/ has no import cycles', (folder) => {
    const cycles = importCycles(typeScriptIn(join(root, folder)));
    expect(cycles.map((cycle) => cycle.map((file) => relative(root, file)).join(' → '))).toEqual([]);
  });

  it('finds a cycle, type-only imports and folders included, and nothing that is not one', () => {
    const sources = new Map([
      ['/p/a.ts', "import { b } from './b';"],
      ['/p/b.ts', "import type { C } from './c';\nexport const b = 1;"],
      ['/p/c/index.ts', "export type C = 1;\nexport type { A } from '../a';"],
      ['/p/d.ts', "import { a } from './a';\nimport { b } from './b';"],
    ]);
    expect(importCycles(sources)).toEqual([['/p/a.ts', '/p/b.ts', '/p/c/index.ts', '/p/a.ts']]);
    sources.delete('/p/c/index.ts');
    expect(importCycles(sources)).toEqual([]);
  });
});
