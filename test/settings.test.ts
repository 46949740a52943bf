/**
 * Every setting the code or a binding names is listed in local.settings.example.json and in the
 * settings table of docs/operations.md, and the code reads settings only through config.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registeredFunctions } from '../src/functions/registry';
import { LocalSettingNames } from '../src/local/localSettingNames';
import { SettingNames } from '../src/settingNames';
import '../src/functions';

const root = join(__dirname, '..');
const hostOwned = new Set(['FUNCTIONS_WORKER_RUNTIME']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function expressions(text: string): string[] {
  return [...text.matchAll(/%([A-Za-z0-9_]+)%/g)].map((m) => m[1]!);
}

function namedSettings(): Set<string> {
  const names = new Set<string>(Object.values(SettingNames));
  for (const name of expressions(readFileSync(join(root, 'host.json'), 'utf8'))) names.add(name);
  for (const fn of registeredFunctions()) {
    if (fn.kind === 'timer') for (const name of expressions(fn.schedule)) names.add(name);
    if (fn.kind === 'queue') names.add(SettingNames.serviceBusConnection);
  }
  return names;
}

const example = JSON.parse(readFileSync(join(root, 'local.settings.example.json'), 'utf8')) as {
  Values: Record<string, string>;
};
const readme = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
/** The Settings section of docs/operations.md (the README has only the embedded runtime's). */
const settingsSection = readme.slice(
  readme.indexOf('\n## Settings'),
  readme.indexOf('\n## ', readme.indexOf('\n## Settings') + 1),
);
/** Names in the settings table; `NAME__accountEndpoint` rows count as `NAME`. */
const readmeTableNames = new Set(
  [...settingsSection.matchAll(/^\| `([A-Za-z0-9_]+)`/gm)].map((m) => m[1]!.split('__')[0]!),
);

describe('settings', () => {
  it('are read from the environment only by config.ts and the local tooling, by their declared names', () => {
    const declared = new Set<string>([...Object.values(SettingNames), ...Object.values(LocalSettingNames)]);
    for (const file of sourceFiles(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/process\.env(?:\.([A-Za-z0-9_]+)|\[['"]([A-Za-z0-9_]+)['"]\])/g)) {
        const name = match[1] ?? match[2]!;
        expect(declared.has(name), `${file} reads ${name}, which SettingNames does not declare`).toBe(true);
      }
    }
  });

  it.each([...namedSettings()].map((name) => [name]))(
    '%s is in local.settings.example.json and the docs/operations.md table',
    (name) => {
      const inExample = Object.keys(example.Values).some(
        (key) => key === name || key.startsWith(`${name}__`),
      );
      expect(inExample, `${name} missing from local.settings.example.json`).toBe(true);
      expect(
        readmeTableNames.has(name),
        `${name} missing from the settings table of docs/operations.md`,
      ).toBe(true);
    },
  );

  it.each(Object.values(LocalSettingNames).map((name) => [name]))(
    '%s (embedded runtime only) is in the docs/operations.md table',
    (name) => {
      expect(
        readmeTableNames.has(name),
        `${name} missing from the settings table of docs/operations.md`,
      ).toBe(true);
    },
  );

  it('local.settings.example.json and docs/operations.md list nothing the code does not read', () => {
    const known = new Set([...namedSettings(), ...Object.values(LocalSettingNames)]);
    const base = (key: string) => key.split('__')[0]!;
    for (const key of Object.keys(example.Values)) {
      expect(
        known.has(base(key)) || hostOwned.has(key),
        `${key} in local.settings.example.json is not read`,
      ).toBe(true);
    }
    for (const name of readmeTableNames) {
      expect(
        known.has(name) || hostOwned.has(name),
        `${name} in the docs/operations.md table is not read`,
      ).toBe(true);
    }
  });
});
