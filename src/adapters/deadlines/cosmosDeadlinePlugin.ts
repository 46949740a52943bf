/**
 * The deadline of Cosmos DB calls: a plugin the SDK runs around every network request it makes,
 * retries included, that hands the request the guard's signal as its `abortSignal`.
 *
 * Why this hook: `RequestOptions.abortSignal` ends a whole operation ("abortSignal to pass to all
 * underlying network requests created by this method call",
 * https://learn.microsoft.com/javascript/api/@azure/cosmos/sharedoptions) but would have to be
 * passed at each of the stores' calls; `connectionPolicy.requestTimeout` bounds one try only, and a
 * timed-out read is retried (up to 120 times by `TimeoutFailoverRetryPolicy` with endpoint
 * discovery on, each time on the same endpoint when one region is preferred); plugins on
 * `'operation'` are skipped by queries (`ClientContext.queryFeed` and `getQueryPlan` call the
 * request handler directly). A `'request'` plugin sees every network request. The SDK exports its
 * types (`PluginConfig`, `PluginOn`) but leaves `plugins` out of `CosmosClientOptions`' declared
 * type (marked @hidden), so the option is passed with a cast; the Cosmos blackhole test fails if
 * a later SDK stops honouring it.
 *
 * A signal the request aborts on is a "user" abort to the SDK (`RequestHandler.httpRequest`): it is
 * rethrown, not retried, and the guard turns it into `UnavailableError('state-store')`, which no
 * Cosmos retry policy retries either.
 */
import { PluginOn, type Plugin, type PluginConfig } from '@azure/cosmos';
import type { OperationKind } from './budgets';
import type { DependencyGuard } from './DependencyGuards';

type RequestContext = Parameters<Plugin<unknown>>[0];

const readOperations = new Set(['read', 'query', 'readFeed']);

export function cosmosOperationKind(
  context: Pick<RequestContext, 'operationType' | 'method'>,
): OperationKind {
  return readOperations.has(String(context.operationType)) || String(context.method).toUpperCase() === 'GET'
    ? 'read'
    : 'write';
}

export function cosmosDeadlinePlugin(guard: DependencyGuard): PluginConfig {
  const plugin: Plugin<unknown> = (context, _diagnostics, next) => {
    const options = context.options;
    return guard.call(
      cosmosOperationKind(context),
      async (signal) => {
        // The SDK reads the signal from the context it passes on (the same object, see
        // `executePlugins`); it is put back after, so a retry starts from the caller's own options.
        context.options = { ...options, abortSignal: signal };
        try {
          return await next(context);
        } finally {
          context.options = options;
        }
      },
      { callerSignal: options?.abortSignal },
    );
  };
  return { on: PluginOn.request, plugin };
}
