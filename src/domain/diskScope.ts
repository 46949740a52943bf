/**
 * Disk scopes: the places a tenant's disks may live, set by the platform, never by the tenant. A
 * disk is protected or recovered only while it lies inside one of its tenant's scopes, and two
 * tenants' scopes never overlap, so no tenant can name another's disk as its own.
 */
import { armPathContains, armSegments, parseManagedDiskId } from './armId';
import type { DiskRef } from './disk';

/**
 * A page-blob scope is a container of a region's storage, or a `/`-separated name prefix within
 * it; a managed-disk scope is an ARM subscription or resource group
 * (`/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{name}`).
 */
export type DiskScope =
  | { kind: 'pageBlob'; region: string; container: string; prefix?: string }
  | { kind: 'managedDisk'; armScope: string };

/** One tenant's claim on its scopes, as the platform's registry of claims holds it. */
export interface DiskScopeClaim {
  tenantId: string;
  scopes: DiskScope[];
  /**
   * The directory of the tenant's managed-disk subscriptions (`Tenant.azureDirectoryId`); absent,
   * the deployment's own. Held here, beside the scopes, so one document says which principal
   * reaches each subscription and a second tenant's claim in it is checked against it.
   */
  azureDirectoryId?: string;
}

/**
 * Containers the product writes itself: restore points, temporary devices and the simulated
 * provider's. A scope naming one would hand a tenant every tenant's copies. `restore-bases` held the
 * removed incremental page-blob store's per-device bases (full disk contents of every tenant): the
 * storage accounts of deployments made before its removal still have it, since ARM never deletes a
 * container a template stops declaring, so it stays refused.
 */
export const productContainers: readonly string[] = [
  'restore-points',
  'restore-bases',
  'temporary-devices',
  'simulated-compute',
];

/**
 * Container name prefixes of the Functions host and Durable Functions (`azure-webjobs-hosts`,
 * `{taskhub}-leases`, …): never a tenant's, whatever account they share.
 */
export function isReservedContainer(container: string, taskHub: string): boolean {
  return (
    productContainers.includes(container) ||
    container.startsWith('azure-webjobs-') ||
    container.startsWith(`${taskHub.toLowerCase()}-`)
  );
}

/**
 * Whether the disk, in its primary region, lies inside the scope. A managed disk is inside a
 * subscription or resource group scope when its id lies under it, compared by segment without
 * regard to case; its region is ARM's to tell (registration checks it), not the id's.
 */
export function scopeContains(scope: DiskScope, region: string, disk: DiskRef): boolean {
  if (scope.kind === 'managedDisk' && disk.kind === 'managedDisk')
    return parseManagedDiskId(disk.armId) !== undefined && armPathContains(scope.armScope, disk.armId);
  if (scope.kind !== 'pageBlob' || disk.kind !== 'pageBlob') return false;
  return (
    scope.region === region &&
    scope.container === disk.container &&
    (scope.prefix === undefined || disk.blob.startsWith(`${scope.prefix}/`))
  );
}

/** Whether any of the scopes holds the disk. */
export function anyScopeContains(scopes: readonly DiskScope[], region: string, disk: DiskRef): boolean {
  return scopes.some((scope) => scopeContains(scope, region, disk));
}

/**
 * Whether some disk could lie in both scopes. ARM paths compare case-insensitively by segment (ARM
 * ids are case-insensitive: `rg-a` and `RG-A` are one group, `rg-a` and `rg-ab` are two); blob
 * prefixes compare as `/`-terminated prefixes, case-sensitively as blob names do.
 */
export function scopesOverlap(a: DiskScope, b: DiskScope): boolean {
  if (a.kind === 'pageBlob' && b.kind === 'pageBlob') {
    if (a.region !== b.region || a.container !== b.container) return false;
    const left = a.prefix === undefined ? '' : `${a.prefix}/`;
    const right = b.prefix === undefined ? '' : `${b.prefix}/`;
    return left.startsWith(right) || right.startsWith(left);
  }
  if (a.kind === 'managedDisk' && b.kind === 'managedDisk') {
    const left = armSegments(a.armScope);
    const right = armSegments(b.armScope);
    const shorter = Math.min(left.length, right.length);
    return left.slice(0, shorter).every((segment, i) => segment === right[i]);
  }
  return false;
}

/** The first claim of another tenant that overlaps one of the scopes, with the scope it overlaps. */
export function findOverlap(
  claims: readonly DiskScopeClaim[],
  tenantId: string,
  scopes: readonly DiskScope[],
): { index: number; tenantId: string } | undefined {
  for (const claim of claims) {
    if (claim.tenantId === tenantId) continue;
    const index = scopes.findIndex((scope) => claim.scopes.some((other) => scopesOverlap(scope, other)));
    if (index >= 0) return { index, tenantId: claim.tenantId };
  }
  return undefined;
}

/** The first pair of a tenant's own scopes that overlap each other (a request naming one place twice). */
export function findSelfOverlap(scopes: readonly DiskScope[]): [number, number] | undefined {
  for (let i = 0; i < scopes.length; i++)
    for (let j = i + 1; j < scopes.length; j++) if (scopesOverlap(scopes[i]!, scopes[j]!)) return [i, j];
  return undefined;
}

/** Whether an ARM path (a resource group, a resource) lies inside one of the managed-disk scopes. */
export function managedScopesContain(scopes: readonly DiskScope[], armPath: string): boolean {
  return scopes.some((scope) => scope.kind === 'managedDisk' && armPathContains(scope.armScope, armPath));
}
