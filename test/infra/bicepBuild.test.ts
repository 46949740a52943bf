/**
 * The Bicep compiler's own verdict: the other infra tests read the text, and cannot see what only
 * the compiler knows (a variable loop over module outputs, BCP182; an unknown property of a
 * resource type; an API version the linter finds too old). The compiler is the one
 * infra/tools/bicep.csproj pins (`npm run infra:restore`). In CI a missing compiler fails the run;
 * on a developer's machine without it these tests are skipped, and say why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBicep, pinnedBicepVersion } from '../../scripts/bicepCli';
import { infraDir } from './bicepFile';
import { allFiles, main } from './deployment';

const found = findBicep();
const bicep = 'path' in found ? found.path : undefined;
const inCi = process.env['CI'] === 'true';
/** The compiler is a .NET program: on a busy machine a build and a lint take well over 30 s. */
const compilerTimeoutMs = 120_000;

/** What the compiler and its linter say about a file and every module it uses, one a line. */
function diagnostics(args: string[]): string[] {
  const result = spawnSync(bicep!, args, { encoding: 'utf8', timeout: compilerTimeoutMs });
  if (result.error) throw result.error;
  return result.stderr.split('\n').filter((line) => /: (Error|Warning) /.test(line));
}

describe('the pinned Bicep compiler', () => {
  it.runIf(inCi)('is present in CI, where a missing one must fail rather than skip', () => {
    expect(found).toHaveProperty('path');
  });
});

describe.skipIf(!bicep)(
  `the Bicep compiler${'missing' in found ? ` (skipped: ${found.missing})` : ''}`,
  () => {
    it('is the version infra/tools/bicep.csproj pins', () => {
      expect(execFileSync(bicep!, ['--version'], { encoding: 'utf8' })).toContain(
        `Bicep CLI version ${pinnedBicepVersion()} `,
      );
    });

    it(
      'builds main.bicep and every module, and lints them, with neither an error nor a warning',
      () => {
        const used = allFiles.filter((file) => file !== main).map((file) => `'${file.path}'`);
        for (const module of used) expect(main.text, `main.bicep uses ${module}`).toContain(module);
        const entry = join(infraDir, 'main.bicep');
        expect(diagnostics(['build', entry, '--stdout'])).toEqual([]);
        expect(diagnostics(['lint', entry])).toEqual([]);
      },
      2 * compilerTimeoutMs,
    );
  },
);
