/**
 * The Desktop Virtualization and Authorization management clients of one subscription, made like
 * the Compute one (../arm/createComputeClient): same credential, endpoint, private CA and per-retry
 * policies, so the ARM pacer paces every AVD and role-assignment call too. These two SDKs are of the
 * older core-client generation: they build request URLs from `$host`, not `endpoint`, so both are set.
 */
import {
  AuthorizationManagementClient,
  type AuthorizationManagementClientOptionalParams,
} from '@azure/arm-authorization';
import {
  DesktopVirtualizationAPIClient,
  type DesktopVirtualizationAPIClientOptionalParams,
} from '@azure/arm-desktopvirtualization';
import { requestTimeoutPolicy, type ComputeClientOptions } from '../arm/createComputeClient';

/** The options of createComputeClient: one set for every ARM client of the process. */
export type ArmClientOptions = ComputeClientOptions;

function pipelineOptions(
  options: ArmClientOptions,
): DesktopVirtualizationAPIClientOptionalParams & AuthorizationManagementClientOptionalParams {
  return {
    ...(options.endpoint ? { endpoint: options.endpoint, $host: options.endpoint } : {}),
    ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    additionalPolicies: [
      ...(options.additionalPolicies ?? []),
      requestTimeoutPolicy(options.requestTimeoutInMs ?? 30_000),
    ].map((policy) => ({ policy, position: 'perRetry' as const })),
    ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
  };
}

export function createDesktopVirtualizationClient(
  subscriptionId: string,
  options: ArmClientOptions,
): DesktopVirtualizationAPIClient {
  return new DesktopVirtualizationAPIClient(options.credential, subscriptionId, pipelineOptions(options));
}

export function createAuthorizationClient(
  subscriptionId: string,
  options: ArmClientOptions,
): AuthorizationManagementClient {
  return new AuthorizationManagementClient(options.credential, subscriptionId, pipelineOptions(options));
}

/** One client of each kind per subscription, made on first use (as ComputeClients). */
export class AvdClients {
  private readonly desktop = new Map<string, DesktopVirtualizationAPIClient>();
  private readonly authorization = new Map<string, AuthorizationManagementClient>();

  constructor(private readonly options: ArmClientOptions) {}

  desktopVirtualization(subscriptionId: string): DesktopVirtualizationAPIClient {
    const key = subscriptionId.toLowerCase();
    let client = this.desktop.get(key);
    if (!client) {
      client = createDesktopVirtualizationClient(subscriptionId, this.options);
      this.desktop.set(key, client);
    }
    return client;
  }

  authorizationFor(subscriptionId: string): AuthorizationManagementClient {
    const key = subscriptionId.toLowerCase();
    let client = this.authorization.get(key);
    if (!client) {
      client = createAuthorizationClient(subscriptionId, this.options);
      this.authorization.set(key, client);
    }
    return client;
  }
}
