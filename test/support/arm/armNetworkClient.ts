/** A real NetworkManagementClient pointed at the ARM double (issue 29), as computeClient is for Compute. */
import { NetworkManagementClient, type NetworkManagementClientOptionalParams } from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import type { ArmDouble } from './types';

export function networkClient(
  double: ArmDouble,
  subscriptionId: string,
  options: { credential?: TokenCredential } & NetworkManagementClientOptionalParams = {},
): NetworkManagementClient {
  const { credential, ...rest } = options;
  return new NetworkManagementClient(credential ?? double.credential, subscriptionId, {
    ...double.clientOptions(),
    ...rest,
  });
}
