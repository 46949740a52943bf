/**
 * The packages of the embedded Cosmos emulator, checked before a fix touches them: the server
 * (`@vercel/cosmosdb-server`) and its query engine (`@zeit/cosmosdb-query`). The server depends on
 * the engine at exactly one version; the fixes load the engine from this project's own dependency.
 * Both must be one copy: were the project's copy another version, npm would install two, and the
 * fixes would patch the one the server never calls.
 */
import { createRequire } from 'node:module';
import { checkPackage, expectSameCopy, resolvePackage, type PackageDescriptor } from './patchChecks';
import { patchedVersions } from './patchedVersions';

/** Loads as the fixes do (`import`, `createRequire(__filename)` in this folder). */
const requireHere = createRequire(__filename);
/** Loads as the server's own modules do. */
const requireFromServer = createRequire(requireHere.resolve('@vercel/cosmosdb-server/package.json'));

export function checkCosmosServer(fix: string): PackageDescriptor {
  return checkPackage(
    fix,
    '@vercel/cosmosdb-server',
    patchedVersions['@vercel/cosmosdb-server'],
    requireHere,
  );
}

/** The query engine the fixes load: the version they were written for, and the server's own copy. */
export function checkCosmosQuery(fix: string): PackageDescriptor {
  const patched = checkPackage(
    fix,
    '@zeit/cosmosdb-query',
    patchedVersions['@zeit/cosmosdb-query'],
    requireHere,
  );
  expectSameCopy(fix, patched, resolvePackage('@zeit/cosmosdb-query', requireFromServer));
  return patched;
}
