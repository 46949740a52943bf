/**
 * Every test file runs in exactly one tier (vitest.config.mts): one in neither would never run,
 * one in both would run twice and put a slow system test into `npm test`. Asks Vitest itself which
 * project each file resolves to, so the check reads the same include and exclude lists the runs do.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const tiers = ['unit', 'system'];

/** Files under test/ that look like tests to Vitest's default include, whatever the config says. */
function testLikeFiles(): string[] {
  return readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(file))
    .map((file) => join('test', file).split('\\').join('/'))
    .sort();
}

describe('test tiers', () => {
  it('put every test file in exactly one of unit and system', async () => {
    // vitest/node is ESM only; this file is CommonJS to TypeScript.
    const { createVitest } = await import('vitest/node');
    const vitest = await createVitest('test', { watch: false, config: join(root, 'vitest.config.mts') });
    try {
      expect(vitest.projects.map((p) => p.name).sort()).toEqual([...tiers].sort());
      const specs = await vitest.globTestSpecifications();
      const tiersOf = new Map<string, string[]>();
      for (const spec of specs) {
        const file = relative(root, spec.moduleId).split('\\').join('/');
        tiersOf.set(file, [...(tiersOf.get(file) ?? []), spec.project.name]);
      }
      const wrong = testLikeFiles()
        .map((file) => ({ file, tiers: tiersOf.get(file) ?? [] }))
        .filter((row) => row.tiers.length !== 1);
      expect(wrong).toEqual([]);
      // A file the system tier names by name exists: a renamed one would fall into the unit tier.
      const named = vitest.projects
        .find((p) => p.name === 'system')!
        .config.include.filter((pattern) => !/[*?{[]/.test(pattern));
      expect(named.filter((file) => !tiersOf.has(file))).toEqual([]);
      // The system tier holds what it names, and this file is where `npm test` runs it.
      expect(tiersOf.get('test/local/npmStart.test.ts')).toEqual(['system']);
      expect(tiersOf.get('test/tiers.test.ts')).toEqual(['unit']);
    } finally {
      await vitest.close();
    }
  });
});
