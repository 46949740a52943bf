import { RetryMode, ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import type { Connection } from '../../config';
import type { Budgets } from '../deadlines/budgets';
import { getCredential } from '../identity/credential';

/**
 * The Service Bus client. Its defaults wait 30 s between retries and 60 s per try; `timeoutInMs`
 * cannot be set lower than 60 s ("Minimum value: 60000 milliseconds",
 * https://learn.microsoft.com/javascript/api/@azure/service-bus/servicebusclientoptions), so the
 * deadline of a call is its `abortSignal` (ServiceBusWorkQueue passes the guard's), and the waits
 * between retries are shortened here to fit inside it.
 */
export function createServiceBusClient(connection: Connection, budgets?: Budgets): ServiceBusClient {
  const options: ServiceBusClientOptions = budgets
    ? {
        retryOptions: {
          mode: RetryMode.Exponential,
          maxRetries: budgets.storageRetry.maxTries - 1,
          retryDelayInMs: budgets.storageRetry.retryDelayInMs,
          maxRetryDelayInMs: budgets.storageRetry.maxRetryDelayInMs,
        },
      }
    : {};
  return connection.kind === 'identity'
    ? new ServiceBusClient(connection.endpoint, getCredential(connection.clientId), options)
    : new ServiceBusClient(connection.connectionString, options);
}
