/**
 * The exact versions the emulator fixes (and the embedded durable driver) were written for.
 * package.json pins each of them exactly (lokijs through `overrides`, as Azurite's dependency);
 * test/local/emulators/patchChecks.test.ts checks the two agree. To upgrade one: change both, then
 * check every fix that names the package against the new version's code.
 */
export const patchedVersions = {
  azurite: '3.35.0',
  lokijs: '1.5.12',
  '@vercel/cosmosdb-server': '1.0.1',
  '@zeit/cosmosdb-query': '0.7.2',
  'durable-functions': '3.5.0',
} as const;

export type PatchedPackage = keyof typeof patchedVersions;
