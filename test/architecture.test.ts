/** The dependency rule is enforced by lint: these prove the rule bites, not just that it is configured. */
import { ESLint } from 'eslint';
import { join } from 'node:path';
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
  ])('refuses %s importing: %s', async (file, code) => {
    expect(await importErrors(file, code)).toHaveLength(1);
  });

  it.each([
    ['src/domain/probe.ts', "import { Roles } from './roles';"],
    ['src/app/probe.ts', "import type { TenantStore } from '../ports/TenantStore';"],
    ['src/adapters/cosmos/probe.ts', "import { CosmosClient } from '@azure/cosmos';"],
  ])('allows %s importing: %s', async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});
