/**
 * Makes page-blob "disks" in the embedded runtime's primary region and prints a device import body
 * for them, so the protection cycle can be tried without real Cloud PCs (`npm run -s local:disks
 * -- --help`). Each tenant's disks go under its own prefix of the `disks` container, `{tenantId}/`:
 * the disk scope its platform admin grants it (docs/protection-and-recovery.md, "Disk scopes").
 * It reads the settings `npm start` reads, the same way (src/local/localRuntime.ts).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { LocalSettingNames } from '../src/local/localSettingNames';
import { readLocalRuntime } from '../src/local/localRuntime';
import { LocalRegions } from '../src/local/localSettings';
import { SettingNames } from '../src/settingNames';
import { answers, parseCommandLine, runScript, ScriptExit, usageError } from './cli';

const usage = `usage: npm run -s local:disks -- --tenant <tenant GUID> [--count <n>] [--policy <policy id>] [--prefix <id prefix>] [--sizeKiB <KiB>] > devices.json

Makes page-blob disks in the embedded runtime's primary region (${LocalRegions.primary}), container disks,
under <tenant GUID>/, and prints a body for POST /api/tenants/<tenant GUID>/device-imports.
  --tenant <GUID>      the tenant whose disks they are (required)
  --count <n>          how many, 1-10000 (default 3)
  --policy <id>        the policy id of every device (default standard)
  --prefix <prefix>    device ids and disk names are <prefix>-0001, <prefix>-0002, ... (default cpc)
  --sizeKiB <KiB>      each disk's size, a multiple of 0.5 (default 64); filled with random bytes
  -h, --help           this
Devices get priority tiers 1, 2, 3, 1, ... and users user<n>@contoso.test.

It needs npm start running, and reads what npm start reads: ${LocalSettingNames.blobPort} (Azurite blob),
or ${SettingNames.regionStorage}. Set them here as for npm start.`;

async function main(): Promise<void> {
  const values = parseCommandLine(
    {
      tenant: { type: 'string' },
      count: { type: 'string', default: '3' },
      policy: { type: 'string', default: 'standard' },
      prefix: { type: 'string', default: 'cpc' },
      sizeKiB: { type: 'string', default: '64' },
    },
    usage,
  );
  const problems: string[] = [];
  const tenant = (values.tenant ?? '').toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tenant))
    problems.push('--tenant must be the tenant id (a GUID): its disks go under that prefix');
  const count = Number(values.count);
  const sizeBytes = Number(values.sizeKiB) * 1024;
  if (!Number.isInteger(count) || count < 1 || count > 10_000)
    problems.push('--count must be a whole number from 1 to 10000');
  if (!Number.isInteger(sizeBytes) || sizeBytes < 512 || sizeBytes % 512 !== 0)
    problems.push('--sizeKiB must give a whole multiple of 512 bytes (0.5, 1, 64, ...)');
  // Device ids are 1-64 letters, digits, dots, dashes or underscores; the prefix leaves room for -10000.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,57}$/.test(values.prefix))
    problems.push(
      '--prefix must be 1-58 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(values.policy))
    problems.push('--policy must be a policy id: 1-64 letters, digits, dots, dashes or underscores');
  if (problems.length > 0) throw usageError(problems, usage);

  const { settings } = readLocalRuntime();
  const storage = JSON.parse(settings[SettingNames.regionStorage]!) as Record<string, string>;
  const connection = storage[LocalRegions.primary];
  if (!connection)
    throw new ScriptExit(
      1,
      `npm run local:disks: ${SettingNames.regionStorage} has no ${LocalRegions.primary}`,
    );
  const service = BlobServiceClient.fromConnectionString(connection);
  // Fail fast when nothing is there, rather than after the storage client's retries (17 s).
  const endpoint = new URL(service.url);
  const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
  if (!(await answers(endpoint.hostname, port))) {
    throw new ScriptExit(
      1,
      `npm run local:disks: nothing answers at ${endpoint.host} (the runtime's blob storage): start the runtime first (npm start); if it runs with ${LocalSettingNames.blobPort} set, set the same here.`,
    );
  }
  const container = service.getContainerClient('disks');
  await container.createIfNotExists();

  const devices = [];
  for (let i = 1; i <= count; i += 1) {
    const id = `${values.prefix}-${String(i).padStart(4, '0')}`;
    const blob = `${tenant}/${id}.vhd`;
    const disk = container.getPageBlobClient(blob);
    await disk.create(sizeBytes);
    await disk.uploadPages(randomBytes(sizeBytes), 0, sizeBytes);
    devices.push({
      id,
      upn: `user${i}@contoso.test`,
      primaryRegion: LocalRegions.primary,
      disk: { container: 'disks', blob },
      policyId: values.policy,
      priorityTier: ((i - 1) % 3) + 1,
    });
  }
  console.log(JSON.stringify({ devices }, null, 2));
}

runScript('npm run local:disks', main);
