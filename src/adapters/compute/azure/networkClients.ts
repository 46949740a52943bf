/**
 * The Network management client of one subscription (the NICs of temporary devices), with the
 * same options as the Compute clients (`armPipelineOptions`): the credential of the subscription's
 * directory, the process's pacing policies on every attempt, the endpoint and CA of the ARM double
 * in tests, a per-attempt timeout.
 */
import { NetworkManagementClient } from '@azure/arm-network';
import {
  armPipelineOptions,
  PerSubscription,
  type ComputeClientOptions,
} from '../../arm/createComputeClient';
import { credentialFor } from '../../identity/subscriptionCredentials';

export class NetworkClients extends PerSubscription<NetworkManagementClient> {
  constructor(options: ComputeClientOptions) {
    super(
      (subscriptionId) =>
        new NetworkManagementClient(
          credentialFor(options.credential, subscriptionId),
          subscriptionId,
          armPipelineOptions(options),
        ),
    );
  }
}
