/**
 * The Desktop Virtualization and Authorization management clients of one subscription, made like
 * the Compute one (../arm/createComputeClient): same credential (chosen per subscription), endpoint,
 * private CA and per-retry policies, so the ARM pacer paces every AVD and role-assignment call too.
 * These two SDKs are of the older core-client generation: they build request URLs from `$host`,
 * not `endpoint`, so both are set.
 */
import {
  AuthorizationManagementClient,
  type AuthorizationManagementClientOptionalParams,
} from '@azure/arm-authorization';
import {
  DesktopVirtualizationAPIClient,
  type DesktopVirtualizationAPIClientOptionalParams,
} from '@azure/arm-desktopvirtualization';
import { armPipelineOptions, PerSubscription, type ComputeClientOptions } from '../arm/createComputeClient';
import { credentialFor } from '../identity/subscriptionCredentials';

/** The options of createComputeClient: one set for every ARM client of the process. */
export type ArmClientOptions = ComputeClientOptions;

function pipelineOptions(
  options: ArmClientOptions,
): DesktopVirtualizationAPIClientOptionalParams & AuthorizationManagementClientOptionalParams {
  return {
    ...armPipelineOptions(options),
    ...(options.endpoint ? { $host: options.endpoint } : {}),
  };
}

export function createDesktopVirtualizationClient(
  subscriptionId: string,
  options: ArmClientOptions,
): DesktopVirtualizationAPIClient {
  return new DesktopVirtualizationAPIClient(
    credentialFor(options.credential, subscriptionId),
    subscriptionId,
    pipelineOptions(options),
  );
}

export function createAuthorizationClient(
  subscriptionId: string,
  options: ArmClientOptions,
): AuthorizationManagementClient {
  return new AuthorizationManagementClient(
    credentialFor(options.credential, subscriptionId),
    subscriptionId,
    pipelineOptions(options),
  );
}

/** One client of each kind per subscription, made on first use (as ComputeClients). */
export class AvdClients {
  private readonly desktop: PerSubscription<DesktopVirtualizationAPIClient>;
  private readonly authorization: PerSubscription<AuthorizationManagementClient>;

  constructor(options: ArmClientOptions) {
    this.desktop = new PerSubscription((id) => createDesktopVirtualizationClient(id, options));
    this.authorization = new PerSubscription((id) => createAuthorizationClient(id, options));
  }

  desktopVirtualization(subscriptionId: string): DesktopVirtualizationAPIClient {
    return this.desktop.for(subscriptionId);
  }

  authorizationFor(subscriptionId: string): AuthorizationManagementClient {
    return this.authorization.for(subscriptionId);
  }
}
