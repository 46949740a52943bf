/**
 * The deadline policy of the Storage SDKs (Blob, Queue, Table): once per call, before their retry
 * policy, so one signal ends the connect, every retry, the waits between them and the body.
 *
 * - Blob and Queue (`@azure/storage-blob`, `@azure/storage-queue`) take custom policies as
 *   `RequestPolicyFactory`s in the `factories` of the `Pipeline` a client is built on ("Or you can
 *   create a Pipeline with your own policies", https://learn.microsoft.com/javascript/api/@azure/storage-blob/pipeline).
 *   The SDK runs factories it does not know, wrapped once, in the pipeline's un-phased group,
 *   before its `Retry` phase (storage-blob `src/Pipeline.ts`, `processDownlevelPipeline`). Setting
 *   `abortSignal` there sets it on the request every retry reuses: the storage retry policy waits
 *   on it between tries and the Node HTTP client destroys the socket when it aborts.
 * - Tables (`@azure/data-tables`) take core pipeline policies as `additionalPolicies`, whose
 *   `position` "determines if this policy be applied before or after retry logic" (`perCall`:
 *   before, once per operation; `AdditionalPolicyConfig`,
 *   https://learn.microsoft.com/javascript/api/@azure/core-client/additionalpolicyconfig).
 */
import type { TableServiceClientOptions } from '@azure/data-tables';
import type { RequestPolicyFactory, WebResource } from '@azure/storage-blob';
import type { OperationKind } from './budgets';
import type { DependencyGuard } from './DependencyGuards';

/** A read, a write, or a server-side copy (anything with a copy source: Copy Blob, Put Page From URL). */
export function storageOperationKind(method: string, hasCopySource: boolean): OperationKind {
  if (hasCopySource) return 'copy';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

const copySourceHeader = 'x-ms-copy-source';

/** A core pipeline policy, as the Tables SDK's options type names it (the SDK does not export the name). */
type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/** For Blob and Queue clients: push into `newPipeline(...).factories`. */
export function storageDeadlineFactory(guard: DependencyGuard): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request: WebResource) =>
        guard.call(
          storageOperationKind(request.method, request.headers.get(copySourceHeader) !== undefined),
          (signal) => {
            request.abortSignal = signal;
            return next.sendRequest(request);
          },
          { callerSignal: request.abortSignal },
        ),
    }),
  };
}

/** For Table clients: `additionalPolicies: [{ policy, position: 'perCall' }]`. */
export function tableDeadlinePolicy(guard: DependencyGuard): PipelinePolicy {
  return {
    name: 'dependencyDeadlinePolicy',
    sendRequest: (request, next) =>
      guard.call(
        storageOperationKind(request.method, request.headers.has(copySourceHeader)),
        (signal) => {
          request.abortSignal = signal;
          return next(request);
        },
        { callerSignal: request.abortSignal },
      ),
  };
}
