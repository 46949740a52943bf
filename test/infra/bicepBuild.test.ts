/**
 * The Bicep compiler's own verdict, where one is at hand: the other infra tests read the text, and
 * cannot see what only the compiler knows (a variable loop over module outputs, BCP182; a module
 * loop reading another module collection, BCP144; an unknown property of a resource type).
 *
 * The compiler is looked for as $BICEP_CLI, as `bicep` on the PATH, or in the NuGet cache, where
 * the NuGet package Azure.Bicep.CommandLine.linux-x64 puts it (`dotnet restore` of a project with
 * `<PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[x.y.z]" />`). Without
 * one, these tests are skipped, and say so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { infraDir } from './bicepFile';
import { allFiles, main } from './deployment';

function findBicep(): string | undefined {
  if (process.env['BICEP_CLI']) return process.env['BICEP_CLI'];
  if (spawnSync('bicep', ['--version']).status === 0) return 'bicep';
  const cache = join(homedir(), '.nuget', 'packages', 'azure.bicep.commandline.linux-x64');
  if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync(cache)) return undefined;
  const latest = readdirSync(cache)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .pop();
  const path = latest && join(cache, latest, 'tools', 'bicep');
  if (!path || !existsSync(path)) return undefined;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    // NuGet unpacks without the execute bit.
    chmodSync(path, 0o755);
  }
  return path;
}

const bicep = findBicep();

/** What the compiler and its linter say about a file and every module it uses, one a line. */
function diagnostics(path: string): string[] {
  const result = spawnSync(bicep!, ['build', path, '--stdout'], { encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return result.stderr.split('\n').filter((line) => /: (Error|Warning) /.test(line));
}

describe.skipIf(!bicep)(`the Bicep compiler${bicep ? '' : ' (none found: skipped)'}`, () => {
  it('is the one found', () => {
    expect(execFileSync(bicep!, ['--version'], { encoding: 'utf8' })).toMatch(/Bicep CLI version/);
  });

  it('builds main.bicep and every module, with neither an error nor a warning', () => {
    const used = allFiles.filter((file) => file !== main).map((file) => `'${file.path}'`);
    for (const module of used) expect(main.text, `main.bicep uses ${module}`).toContain(module);
    expect(diagnostics(join(infraDir, 'main.bicep'))).toEqual([]);
  });
});
