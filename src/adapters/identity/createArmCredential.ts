/**
 * The credential of the process's ARM clients. Without a multi-tenant app registration no other
 * directory can be reached (tenants naming one are refused), so every subscription is the managed
 * identity's and nothing is looked up; with one, each subscription's principal follows the
 * directory its tenants' claims name.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { DiskScopeClaim } from '../../domain/diskScope';
import { ArmCredentials, type DirectoryCredentialFactory } from './ArmCredentials';
import { SubscriptionDirectories, type SubscriptionDirectoriesOptions } from './SubscriptionDirectories';
import type { ArmCredential } from './subscriptionCredentials';

export interface ArmCredentialOptions {
  managedIdentity: TokenCredential;
  /** `CROSS_DIRECTORY_APP_CLIENT_ID`; unset: the managed identity everywhere. */
  appClientId?: string;
  /** Every tenant's disk-scope claims (`TenantStore.diskScopeClaims`). */
  claims: () => Promise<DiskScopeClaim[]>;
  directoryCredential?: DirectoryCredentialFactory;
  directories?: SubscriptionDirectoriesOptions;
  recheckAfterInMs?: number;
}

export function createArmCredential(options: ArmCredentialOptions): ArmCredential {
  if (!options.appClientId) return options.managedIdentity;
  const directories = new SubscriptionDirectories(options.claims, options.directories);
  return new ArmCredentials({
    managedIdentity: options.managedIdentity,
    appClientId: options.appClientId,
    directoryOf: (subscriptionId) => directories.directoryOf(subscriptionId),
    ...(options.directoryCredential ? { directoryCredential: options.directoryCredential } : {}),
    ...(options.recheckAfterInMs !== undefined ? { recheckAfterInMs: options.recheckAfterInMs } : {}),
    ...(options.directories?.now ? { now: options.directories.now } : {}),
  });
}
