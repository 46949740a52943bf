/**
 * The embedded Cosmos DB emulator (`@vercel/cosmosdb-server`) on plain HTTP, with its request
 * handling reassembled here so transactional batches and conditional patches behave as in Cosmos
 * DB (see atomicBatch.ts and patchDocument.ts), queries cost O(N) (see linearQueries.ts),
 * ORDER BY reads each document's keys once (keyedOrderBy.ts) and a query requiring a field to equal
 * a value reads only the documents holding it (equalityIndexes.ts).
 */
import Account from '@vercel/cosmosdb-server/lib/account';
import routes from '@vercel/cosmosdb-server/lib/routes';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkAtomicBatchTargets, handleAtomicBatch } from './atomicBatch';
import { checkCosmosServer } from './cosmosEmulatorPackages';
import { installEqualityIndexes } from './equalityIndexes';
import { installKeyedOrderBy } from './keyedOrderBy';
import { installLinearQueries } from './linearQueries';
import { checkPatchDocumentTargets, handlePatchDocument } from './patchDocument';
import { expectFunction } from './patchChecks';

export interface CosmosEmulator {
  server: Server;
  port: number;
  close(): Promise<void>;
}

type Handler = (
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => Promise<unknown>;

export async function startCosmosEmulator(port: number, host = '127.0.0.1'): Promise<CosmosEmulator> {
  // The request loop below is the server's own, reassembled: its router and account as they were.
  const emulatorPackage = checkCosmosServer('startCosmosEmulator');
  expectFunction('startCosmosEmulator', emulatorPackage, { routes }, 'routes', 1);
  expectFunction('startCosmosEmulator', emulatorPackage, { Account }, 'Account', 2);
  checkAtomicBatchTargets();
  checkPatchDocumentTargets();
  installLinearQueries();
  installKeyedOrderBy();
  installEqualityIndexes();
  const server = createServer();
  // Node closes a keep-alive connection after 5 s idle; a client that sends on it at that moment
  // gets "socket hang up" (a batch is not retried by the SDK). Ten minutes makes that race rare.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const account = new Account(host, actualPort);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(account, req, res).catch((err: unknown) => {
      console.error(err);
      if (!res.writableEnded) {
        res.statusCode = 500;
        res.end('');
      }
    });
  });
  return {
    server,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The emulator's own request loop, with keep-alive, and batches routed to the atomic handler. */
async function handle(account: Account, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = (routes as (req: IncomingMessage) => [Record<string, string>, Handler] | undefined)(req);
  let body: unknown;
  if (route) {
    const [params, emulatorHandler] = route;
    const isBatch = /^true$/i.test(String(req.headers['x-ms-cosmos-is-batch-request'] ?? ''));
    const handler: Handler = isBatch
      ? (a, q, s, p) => handleAtomicBatch(a, q, s, p as { dbId: string; collId: string })
      : req.method === 'PATCH' && params['docId']
        ? (a, q, s, p) => handlePatchDocument(a, q, s, p as { dbId: string; collId: string; docId: string })
        : emulatorHandler;
    try {
      body = await handler(account, req, res, params);
    } catch (err) {
      console.error(err);
      body = { message: (err as Error).message };
      res.statusCode = 500;
    }
    if (res.statusCode > 399 && body && typeof body === 'object' && !('message' in body)) {
      (body as Record<string, unknown>)['message'] = '';
    }
  } else {
    res.statusCode = 400;
    body = { message: 'no route' };
  }
  const etag = body && typeof body === 'object' ? (body as Record<string, unknown>)['_etag'] : undefined;
  if (typeof etag === 'string') res.setHeader('etag', etag);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-location', `https://${req.headers.host}${req.url}`);
  res.setHeader('connection', 'keep-alive');
  res.setHeader('x-ms-activity-id', randomUUID());
  res.setHeader('x-ms-request-charge', '1');
  if (req.headers['x-ms-documentdb-populatequerymetrics']) {
    res.setHeader('x-ms-documentdb-query-metrics', queryMetrics);
  }
  if (req.headers['a-im'] && res.statusCode === 200) {
    if (req.headers['if-none-match']) res.statusCode = 304;
    res.setHeader('etag', '1');
  }
  res.end(JSON.stringify(body));
}

const queryMetrics =
  'totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;' +
  'queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;' +
  'systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;' +
  'outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00';
