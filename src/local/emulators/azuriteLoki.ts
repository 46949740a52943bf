/**
 * The LokiJS that Azurite keeps its metadata in (blobs, blocks, queue messages, extents), for the
 * fixes in `selectiveLookups`, `incrementalBatches` and `queueTimeIndexes`. Only the members those fixes touch are typed.
 */
import { createRequire } from 'node:module';
import { checkPackage, type PackageDescriptor } from './patchChecks';
import { patchedVersions } from './patchedVersions';

export interface LokiCollection {
  data: object[];
  binaryIndices: Record<string, { values: number[]; dirty: boolean }>;
  adaptiveBinaryIndices: boolean;
  ensureIndex(property: string): void;
  ensureAllIndexes(force?: boolean): void;
  /** The document with this `$loki` id and its position in `data`, or null. */
  get(id: number, returnPosition: true): [object, number] | null;
  calculateRange(operator: string, property: string, value: unknown): [number, number];
  /** Puts the document at `position` into the named index where its value sorts (binary search). */
  adaptiveBinaryIndexInsert(position: number, property: string): void;
  remove(doc: object | number | unknown[]): void;
  removeBatch(batch: unknown[]): void;
  removeBatchByPositions(positions: number[]): void;
  update(doc: object | object[]): void;
}

export interface LokiResultset {
  collection: LokiCollection;
  filterInitialized: boolean;
  find(query: unknown, firstOnly?: boolean): LokiResultset;
}

export interface Loki {
  Collection: { prototype: LokiCollection };
  Resultset: { prototype: LokiResultset };
}

/** Loads modules as Azurite's own code does, so a patched prototype is the one Azurite uses. */
export const requireFromAzurite = createRequire(require.resolve('azurite/dist/src/azurite.js'));

/**
 * Azurite (as this module loads it) and the LokiJS it loads, checked against the versions the
 * fix named `fix` was written for; throws naming both otherwise.
 */
export function checkAzuritePackages(fix: string): { azurite: PackageDescriptor; lokijs: PackageDescriptor } {
  return {
    azurite: checkPackage(fix, 'azurite', patchedVersions.azurite, require),
    lokijs: checkPackage(fix, 'lokijs', patchedVersions.lokijs, requireFromAzurite),
  };
}

export function azuriteLoki(): Loki {
  return requireFromAzurite('lokijs') as Loki;
}
