/**
 * The Compute management client of one subscription, with the options every ARM call of the
 * product shares: the credential (the principal of the subscription's directory), the pacing
 * policies (src/adapters/arm/pacing, built elsewhere) and, in tests, the local ARM double's endpoint
 * and CA. `@azure/arm-compute` accepts an endpoint override and any TokenCredential
 * (docs/PLATFORM_NOTES, "Azure Resource Manager").
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import type { PipelinePolicy, TlsSettings } from '@azure/core-rest-pipeline';
import { credentialFor, type ArmCredential } from '../identity/subscriptionCredentials';

export interface ComputeClientOptions {
  /**
   * One credential for every subscription, or one per subscription (`ArmCredentials`: the managed
   * identity in the deployment's own directory, the multi-tenant app in a customer's).
   */
  credential: ArmCredential;
  /** ARM's endpoint; Azure's public cloud (`https://management.azure.com`) when unset. */
  endpoint?: string;
  /** A private CA (the ARM double's): never needed against Azure. */
  tlsOptions?: TlsSettings;
  /** Per-call policies (the pacing layer), run on every retry so each attempt is paced. */
  additionalPolicies?: readonly PipelinePolicy[];
  /** The SDK's own retries of 429 and 5xx; the pacing layer decides when to send, these how often. */
  maxRetries?: number;
  /**
   * How long one HTTP attempt may take (30 s by default): a region whose ARM does not answer
   * fails the call instead of holding a worker for ever.
   */
  requestTimeoutInMs?: number;
}

/** Gives every attempt a timeout unless the caller set one. */
export function requestTimeoutPolicy(timeoutInMs: number): PipelinePolicy {
  return {
    name: 'armRequestTimeout',
    async sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutInMs;
      return await next(request);
    },
  };
}

/**
 * The pipeline options every ARM management client of the process shares (Compute, Network,
 * Desktop Virtualization, Authorization): so each of their calls is paced and timed out alike.
 */
export function armPipelineOptions(options: ComputeClientOptions) {
  return {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    additionalPolicies: [
      ...(options.additionalPolicies ?? []),
      requestTimeoutPolicy(options.requestTimeoutInMs ?? 30_000),
    ].map((policy) => ({ policy, position: 'perRetry' as const })),
    ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
  };
}

export function createComputeClient(
  subscriptionId: string,
  options: ComputeClientOptions,
): ComputeManagementClient {
  return new ComputeManagementClient(
    credentialFor(options.credential, subscriptionId),
    subscriptionId,
    armPipelineOptions(options),
  );
}

/**
 * One client per subscription, made on first use: a process reaches the few subscriptions its
 * tenants' disks and backup groups are in, each with its own pipeline and credential. A
 * subscription is in one directory, so its client's principal never changes with the caller; a
 * tenant moved to another directory is followed inside the credential, not by a new client.
 */
export class PerSubscription<T> {
  private readonly clients = new Map<string, T>();

  constructor(private readonly make: (subscriptionId: string) => T) {}

  for(subscriptionId: string): T {
    const key = subscriptionId.toLowerCase();
    let client = this.clients.get(key);
    if (!client) {
      client = this.make(subscriptionId);
      this.clients.set(key, client);
    }
    return client;
  }
}

/** The Compute clients of the process, one per subscription. */
export class ComputeClients extends PerSubscription<ComputeManagementClient> {
  constructor(options: ComputeClientOptions) {
    super((subscriptionId) => createComputeClient(subscriptionId, options));
  }
}
