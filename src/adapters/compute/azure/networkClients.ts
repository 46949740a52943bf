/**
 * The Network management client of one subscription (the NICs of temporary devices), with the
 * same options as the Compute clients (`createComputeClient`): credential, the process's pacing
 * policies on every attempt, the endpoint and CA of the ARM double in tests, a per-attempt timeout.
 */
import { NetworkManagementClient } from '@azure/arm-network';
import { requestTimeoutPolicy, type ComputeClientOptions } from '../../arm/createComputeClient';

export class NetworkClients {
  private readonly clients = new Map<string, NetworkManagementClient>();

  constructor(private readonly options: ComputeClientOptions) {}

  for(subscriptionId: string): NetworkManagementClient {
    const key = subscriptionId.toLowerCase();
    let client = this.clients.get(key);
    if (!client) {
      const options = this.options;
      client = new NetworkManagementClient(options.credential, subscriptionId, {
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
        additionalPolicies: [
          ...(options.additionalPolicies ?? []),
          requestTimeoutPolicy(options.requestTimeoutInMs ?? 30_000),
        ].map((policy) => ({ policy, position: 'perRetry' as const })),
        ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
