/**
 * The emulator fixes are written against exact versions of Azurite, LokiJS, the Cosmos emulator and
 * the durable-functions executor. These show the checks every fix runs first stop a version or a
 * shape it was not written for, naming what was found and what was expected, and that the
 * installed tree is the one the fixes were written for.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAzuritePackages } from '../../../src/local/emulators/azuriteLoki';
import { checkCosmosQuery, checkCosmosServer } from '../../../src/local/emulators/cosmosEmulatorPackages';
import {
  checkPackage,
  EmulatorPatchError,
  expectFunction,
  expectGetter,
  expectSameCopy,
  resolvePackage,
} from '../../../src/local/emulators/patchChecks';
import { patchedVersions } from '../../../src/local/emulators/patchedVersions';
import { checkDurableInternals } from '../../../src/local/durable/sdkInternals';

const root = join(__dirname, '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'patch-checks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder whose node_modules holds `name` at `version`, and a require that resolves from it. */
function installedAt(folder: string, name: string, version: string): NodeJS.Require {
  const directory = join(scratch, folder, 'node_modules', name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name, version }));
  return createRequire(join(scratch, folder, 'index.js'));
}

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the check to throw');
}

describe('checkPackage', () => {
  it('refuses a version the fix was not written for, naming the version found and the one expected', () => {
    const requireFrom = installedAt('newer-loki', 'lokijs', '1.5.13');
    const error = thrown(() => checkPackage('selectiveLookups', 'lokijs', '1.5.12', requireFrom));
    expect(error).toBeInstanceOf(EmulatorPatchError);
    expect(error.message).toContain('selectiveLookups');
    expect(error.message).toContain('written for lokijs 1.5.12');
    expect(error.message).toContain('lokijs 1.5.13 is installed');
  });

  it('accepts the version the fix was written for, from where the fix loads it', () => {
    const requireFrom = installedAt('same-loki', 'lokijs', '1.5.12');
    expect(checkPackage('selectiveLookups', 'lokijs', '1.5.12', requireFrom)).toEqual({
      name: 'lokijs',
      version: '1.5.12',
      directory: join(scratch, 'same-loki', 'node_modules', 'lokijs'),
    });
  });
});

describe('expectFunction', () => {
  const lokijs = { name: 'lokijs', version: '1.5.12', directory: '/x' };

  it('refuses a replaced function whose parameters changed', () => {
    const prototype = {
      find(query: unknown) {
        return query;
      },
    };
    const error = thrown(() => expectFunction('selectiveLookups', lokijs, prototype, 'find', 2));
    expect(error).toBeInstanceOf(EmulatorPatchError);
    expect(error.message).toContain('find in lokijs 1.5.12 to be a function of 2 parameter(s)');
    expect(error.message).toContain('found a function of 1 parameter(s)');
  });

  it('refuses a replaced function that is gone', () => {
    const error = thrown(() => expectFunction('incrementalBatches', lokijs, {}, 'removeBatch', 1));
    expect(error.message).toContain('found undefined');
  });

  it('refuses a getter that is gone', () => {
    const error = thrown(() => expectGetter('linearQueries', lokijs, { code: 'not a getter' }, 'code'));
    expect(error.message).toContain('expects a getter code in lokijs 1.5.12');
  });
});

describe('expectSameCopy', () => {
  it('refuses a fix that would patch a second copy of the package the emulator does not load', () => {
    const patched = resolvePackage(
      '@zeit/cosmosdb-query',
      installedAt('project', '@zeit/cosmosdb-query', '0.7.3'),
    );
    const used = resolvePackage(
      '@zeit/cosmosdb-query',
      installedAt('server', '@zeit/cosmosdb-query', '0.7.2'),
    );
    const error = thrown(() => expectSameCopy('keyedOrderBy', patched, used));
    expect(error.message).toContain('patches @zeit/cosmosdb-query 0.7.3');
    expect(error.message).toContain('loads @zeit/cosmosdb-query 0.7.2');
  });
});

describe('the installed emulator packages', () => {
  it('are pinned in package.json to exactly the versions the fixes were written for', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      overrides: Record<string, string>;
    };
    const pinned = { ...manifest.dependencies, ...manifest.devDependencies, ...manifest.overrides };
    for (const [name, version] of Object.entries(patchedVersions)) expect(pinned[name], name).toBe(version);
  });

  it('are the versions and shapes every fix was written for, one copy of each', () => {
    expect(() => checkAzuritePackages('test')).not.toThrow();
    expect(checkCosmosServer('test').version).toBe(patchedVersions['@vercel/cosmosdb-server']);
    expect(checkCosmosQuery('test').version).toBe(patchedVersions['@zeit/cosmosdb-query']);
    expect(() => checkDurableInternals()).not.toThrow();
  });
});
