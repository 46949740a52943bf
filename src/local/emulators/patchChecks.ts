/**
 * Every emulator fix replaces functions inside a package's internals, written against one exact
 * version of it. Each fix calls these first: the version of the package found where the fix loads
 * it, and the shape of each function it replaces. An upgrade, or a second copy of a package beside
 * the one the emulator uses, then stops the start with a message naming both versions, instead of
 * patching code that has moved on (or code nobody calls) without a word.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A package as a `require` function resolves it. */
export interface PackageDescriptor {
  name: string;
  version: string;
  /** Its folder: two copies of one package differ here. */
  directory: string;
}

export class EmulatorPatchError extends Error {
  override name = 'EmulatorPatchError';
}

/** The package `name` as `requireFrom` finds it: the module the fix patches is that package's. */
export function resolvePackage(name: string, requireFrom: NodeJS.Require): PackageDescriptor {
  const file = requireFrom.resolve(`${name}/package.json`);
  // Read rather than required: a required JSON file stays cached for the life of the process.
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return { name, version: typeof version === 'string' ? version : '(no version)', directory: dirname(file) };
}

/** Throws unless `found` is the version the fix was written for. */
export function expectVersion(fix: string, found: PackageDescriptor, expected: string): PackageDescriptor {
  if (found.version !== expected) {
    throw new EmulatorPatchError(
      `${fix} (src/local) was written for ${found.name} ${expected}, but ${found.name} ${found.version} ` +
        `is installed (${found.directory}). Pin ${found.name} to ${expected} in package.json, or check the ` +
        `fix against ${found.version} and update the version it expects in src/local/emulators/patchedVersions.ts.`,
    );
  }
  return found;
}

/** `resolvePackage`, then `expectVersion`. */
export function checkPackage(
  fix: string,
  name: string,
  expected: string,
  requireFrom: NodeJS.Require,
): PackageDescriptor {
  return expectVersion(fix, resolvePackage(name, requireFrom), expected);
}

/**
 * Throws unless `owner[member]` is a function taking `parameters` parameters (its `length`): the
 * function the fix replaces or calls, as it was in the version the fix was written for.
 */
export function expectFunction(
  fix: string,
  pkg: PackageDescriptor,
  owner: object | undefined,
  member: string,
  parameters: number,
): void {
  const value: unknown = owner === undefined ? undefined : (owner as Record<string, unknown>)[member];
  if (typeof value === 'function' && value.length === parameters) return;
  const found =
    typeof value === 'function' ? `a function of ${value.length} parameter(s)` : `${typeof value}`;
  throw new EmulatorPatchError(
    `${fix} (src/local) expects ${member} in ${pkg.name} ${pkg.version} to be a function of ` +
      `${parameters} parameter(s), as in the version it was written for; found ${found}.`,
  );
}

/** Throws unless `owner` has a getter `member` (the fix wraps it). */
export function expectGetter(fix: string, pkg: PackageDescriptor, owner: object, member: string): void {
  if (typeof Object.getOwnPropertyDescriptor(owner, member)?.get === 'function') return;
  throw new EmulatorPatchError(
    `${fix} (src/local) expects a getter ${member} in ${pkg.name} ${pkg.version}, as in the version it was written for; found none.`,
  );
}

/**
 * Throws unless `patched` (where the fix loads the package) and `used` (where the emulator loads
 * it) are one copy: patching another copy would change nothing the emulator runs.
 */
export function expectSameCopy(fix: string, patched: PackageDescriptor, used: PackageDescriptor): void {
  if (patched.directory === used.directory) return;
  throw new EmulatorPatchError(
    `${fix} (src/local) patches ${patched.name} ${patched.version} in ${patched.directory}, but the ` +
      `emulator loads ${used.name} ${used.version} from ${used.directory}: pin both to one version so npm installs one copy.`,
  );
}
