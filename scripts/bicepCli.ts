/**
 * Where the pinned Bicep CLI is: the version `infra/tools/bicep.csproj` pins, as `dotnet restore`
 * of that project unpacks it into the NuGet package folder, or `$BICEP_CLI` when set (another
 * platform, or a compiler under test). `npm run infra:restore` puts it there.
 */
import { accessSync, chmodSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const toolsProject = join(root, 'infra', 'tools', 'bicep.csproj');
const packageId = 'Azure.Bicep.CommandLine.linux-x64';

/** The version the tools project pins (`Version="[x.y.z]"`). */
export function pinnedBicepVersion(): string {
  const match = /Include="Azure\.Bicep\.CommandLine\.linux-x64"\s+Version="\[([^\]]+)\]"/.exec(
    readFileSync(toolsProject, 'utf8'),
  );
  if (!match) throw new Error(`${toolsProject} pins no version of ${packageId}`);
  return match[1]!;
}

/** The CLI to run, or undefined with the reason when there is none. */
export function findBicep(): { path: string } | { missing: string } {
  const override = process.env['BICEP_CLI'];
  if (override)
    return existsSync(override) ? { path: override } : { missing: `BICEP_CLI=${override} does not exist` };
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return {
      missing: `${packageId} is for linux-x64; set BICEP_CLI to a Bicep CLI for ${process.platform}-${process.arch}`,
    };
  const packages = process.env['NUGET_PACKAGES'] || join(homedir(), '.nuget', 'packages');
  const path = join(packages, packageId.toLowerCase(), pinnedBicepVersion(), 'tools', 'bicep');
  if (!existsSync(path))
    return { missing: `no ${path}: run \`npm run infra:restore\` (dotnet restore of infra/tools)` };
  try {
    accessSync(path, constants.X_OK);
  } catch {
    // Some NuGet clients unpack without the execute bit.
    chmodSync(path, 0o755);
  }
  return { path };
}
