/**
 * `npm run infra:build`: compiles infra/main.bicep and every module it uses to ARM JSON
 * (infra/build/main.json) with the pinned Bicep CLI, and lints them with infra/bicepconfig.json.
 * Any warning fails the build as an error does: what reaches Azure is what compiled clean.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findBicep } from './bicepCli';

const infra = join(__dirname, '..', 'infra');

function run(bicep: string, args: string[]): string[] {
  const result = spawnSync(bicep, args, { encoding: 'utf8', timeout: 300_000 });
  if (result.error) throw result.error;
  process.stderr.write(result.stderr);
  const problems = result.stderr.split('\n').filter((line) => /: (Error|Warning) /.test(line));
  if (result.status !== 0 && problems.length === 0) problems.push(`bicep ${args[0]} exited ${result.status}`);
  return problems;
}

function main(): void {
  const found = findBicep();
  if ('missing' in found) {
    console.error(`No Bicep CLI: ${found.missing}`);
    process.exitCode = 2;
    return;
  }
  mkdirSync(join(infra, 'build'), { recursive: true });
  const main = join(infra, 'main.bicep');
  const problems = [
    ...run(found.path, ['build', main, '--outfile', join(infra, 'build', 'main.json')]),
    ...run(found.path, ['lint', main]),
  ];
  if (problems.length > 0) {
    console.error(`infra:build failed: ${problems.length} error(s) or warning(s)`);
    process.exitCode = 1;
    return;
  }
  console.log(`infra/build/main.json built and linted clean with ${found.path}`);
}

main();
