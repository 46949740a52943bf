/**
 * Which Entra tenant (directory) each subscription of the tenants' managed-disk scopes belongs to.
 * A subscription is in exactly one directory, and the control plane signs in to it as one
 * principal: its own managed identity at home, the multi-tenant app elsewhere. So every tenant
 * with a scope in a subscription must say the same directory, or the principal that reaches one
 * tenant's resources there would be the wrong one for the other's.
 */
import { subscriptionOfArmId } from './armId';
import type { DiskScope, DiskScopeClaim } from './diskScope';

/** The subscriptions (lower case) of the managed-disk scopes, each once, in order. */
export function managedScopeSubscriptions(scopes: readonly DiskScope[]): string[] {
  const subscriptions = scopes.flatMap((scope) =>
    scope.kind === 'managedDisk' ? [subscriptionOfArmId(scope.armScope)] : [],
  );
  return [...new Set(subscriptions.filter((s): s is string => s !== undefined))];
}

/**
 * Subscription (lower case) → directory (lower case) for every claim that names a directory other
 * than the deployment's own. A subscription absent from the map is the deployment's own directory's.
 */
export function subscriptionDirectories(claims: readonly DiskScopeClaim[]): Map<string, string> {
  const directories = new Map<string, string>();
  for (const claim of claims) {
    if (!claim.azureDirectoryId) continue;
    for (const subscription of managedScopeSubscriptions(claim.scopes))
      directories.set(subscription, claim.azureDirectoryId.toLowerCase());
  }
  return directories;
}

export interface DirectoryConflict {
  /** The scope of the request whose subscription another tenant holds in another directory. */
  index: number;
  subscription: string;
  tenantId: string;
  /** The other tenant's directory; undefined for the deployment's own. */
  azureDirectoryId: string | undefined;
}

/**
 * The first managed-disk scope of `scopes` whose subscription another tenant's claim also covers
 * with a different directory (absent on both sides is the same: the deployment's own).
 */
export function findDirectoryConflict(
  claims: readonly DiskScopeClaim[],
  tenantId: string,
  scopes: readonly DiskScope[],
  azureDirectoryId: string | undefined,
): DirectoryConflict | undefined {
  const mine = azureDirectoryId?.toLowerCase();
  for (const claim of claims) {
    if (claim.tenantId === tenantId) continue;
    const theirs = claim.azureDirectoryId?.toLowerCase();
    if (theirs === mine) continue;
    const held = new Set(managedScopeSubscriptions(claim.scopes));
    const index = scopes.findIndex((scope) => {
      if (scope.kind !== 'managedDisk') return false;
      const subscription = subscriptionOfArmId(scope.armScope);
      return subscription !== undefined && held.has(subscription);
    });
    if (index >= 0) {
      const scope = scopes[index] as Extract<DiskScope, { kind: 'managedDisk' }>;
      return {
        index,
        subscription: subscriptionOfArmId(scope.armScope)!,
        tenantId: claim.tenantId,
        azureDirectoryId: theirs,
      };
    }
  }
  return undefined;
}
