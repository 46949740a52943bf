/**
 * Makes page-blob "disks" in the embedded runtime's primary region and prints a device import body
 * for them, so the protection cycle can be tried without real Cloud PCs:
 *   npm run -s local:disks -- --tenant <tenant GUID> --count 3 --policy standard > devices.json
 * Each tenant's disks go under its own prefix of the `disks` container, `{tenantId}/`: the disk
 * scope its platform admin grants it (README, "Protecting a fleet").
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LocalRegions, localSettings, defaultLocalPorts } from '../src/local/localSettings';
import { LocalSettingNames } from '../src/local/localSettingNames';
import { SettingNames } from '../src/settingNames';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      count: { type: 'string', default: '3' },
      policy: { type: 'string', default: 'standard' },
      prefix: { type: 'string', default: 'cpc' },
      sizeKiB: { type: 'string', default: '64' },
    },
  });
  const tenant = (values.tenant ?? '').toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tenant))
    throw new RangeError('--tenant must be the tenant id (a GUID): its disks go under that prefix');
  const count = Number(values.count);
  const sizeBytes = Number(values.sizeKiB) * 1024;
  if (!Number.isInteger(count) || count < 1 || count > 10_000)
    throw new RangeError('--count must be a whole number from 1 to 10000');
  if (!Number.isInteger(sizeBytes) || sizeBytes < 512 || sizeBytes % 512 !== 0)
    throw new RangeError('--sizeKiB must give a multiple of 512 bytes');

  const blobPort = Number(process.env[LocalSettingNames.blobPort] ?? defaultLocalPorts.blob);
  const settings = localSettings({ ...defaultLocalPorts, blob: blobPort });
  const storage = JSON.parse(
    process.env[SettingNames.regionStorage] ?? settings[SettingNames.regionStorage]!,
  ) as Record<string, string>;
  const container = BlobServiceClient.fromConnectionString(storage[LocalRegions.primary]!).getContainerClient(
    'disks',
  );
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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
});
