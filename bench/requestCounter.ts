/**
 * Counts the HTTP requests this process sends, by destination (blob, queue, table, Cosmos, the
 * control plane's own HTTP host) and by kind of operation, through Node's `diagnostics_channel`
 * ('http.client.request.start', published for every `http.request`, which both Azure SDKs use).
 *
 * Requests made on behalf of the benchmark itself (the compliance latency probe, the completion
 * monitor, the final check) run inside `tagged(...)` and are counted apart, so a phase's counts are
 * the work of that phase alone. `fetch` (undici) does not publish on this channel: the probe's own
 * client requests are not seen at all, only what the control plane does to answer them.
 *
 * A storage SDK retry re-sends a request with the same `x-ms-client-request-id`: re-sends are
 * counted apart, under `retriesByKind`, so the counts are the operations the code asked for and do
 * not move with how loaded the machine was.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export type Destination = 'blob' | 'queue' | 'table' | 'cosmos' | 'http' | 'other';
export type Tag = 'probe' | 'monitor' | 'check';

export const destinations: readonly Destination[] = ['blob', 'queue', 'table', 'cosmos', 'http', 'other'];

export interface RequestTally {
  total: number;
  byDestination: Record<Destination, number>;
  /** `destination:operation`, e.g. `blob:snapshot`, `queue:send`, `cosmos:batch`. */
  byKind: Record<string, number>;
  /**
   * Storage requests by the container, queue or table they address and their operation, e.g.
   * `blob:restore-points:snapshot`, `queue:device-recovery:receive`: where a kind's calls go.
   */
  byResource: Record<string, number>;
  /** Request body bytes (Content-Length) by kind, where the client declared one. */
  bytesByKind: Record<string, number>;
  /** Re-sends of a request by the SDK's retry policy, by kind; not in the counts above. */
  retriesByKind: Record<string, number>;
  /** Requests made for the benchmark's own probes, by tag; not in the counts above. */
  excluded: Record<Tag, number>;
}

const channelName = 'http.client.request.start';
const context = new AsyncLocalStorage<Tag>();

/** Runs `fn` (and everything it starts) as the benchmark's own work: its requests are counted apart. */
export function tagged<T>(tag: Tag, fn: () => T): T {
  return context.run(tag, fn);
}

export function emptyTally(): RequestTally {
  return {
    total: 0,
    byDestination: Object.fromEntries(destinations.map((d) => [d, 0])) as Record<Destination, number>,
    byKind: {},
    byResource: {},
    bytesByKind: {},
    retriesByKind: {},
    excluded: { probe: 0, monitor: 0, check: 0 },
  };
}

/** Request ids are remembered in two generations of this many: retries follow within seconds. */
const requestIdsPerGeneration = 50_000;

export class RequestCounter {
  private current: RequestTally | undefined;
  private recentIds = new Set<string>();
  private olderIds = new Set<string>();
  private readonly listener = (message: unknown): void => {
    const tally = this.current;
    if (!tally) return;
    const request = (message as { request?: ClientRequest }).request;
    if (!request) return;
    const tag = context.getStore();
    if (tag) {
      tally.excluded[tag] += 1;
      return;
    }
    const destination = this.destinationOf(request);
    const operation = operationOf(destination, request);
    const kind = `${destination}:${operation}`;
    if (this.sentBefore(request)) {
      tally.retriesByKind[kind] = (tally.retriesByKind[kind] ?? 0) + 1;
      return;
    }
    tally.total += 1;
    tally.byDestination[destination] += 1;
    tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
    const resource = resourceOf(destination, request);
    if (resource !== undefined) {
      const key = `${destination}:${resource}:${operation}`;
      tally.byResource[key] = (tally.byResource[key] ?? 0) + 1;
    }
    const length = Number(request.getHeader('content-length') ?? 0);
    if (Number.isFinite(length) && length > 0)
      tally.bytesByKind[kind] = (tally.bytesByKind[kind] ?? 0) + length;
  };

  /** `ports` maps each local port to the service listening there. */
  constructor(private readonly ports: ReadonlyMap<number, Destination>) {
    diagnostics_channel.subscribe(channelName, this.listener);
  }

  /** Starts a fresh tally; requests before this are not counted. */
  begin(): void {
    this.current = emptyTally();
  }

  /** Ends the tally and returns it. */
  end(): RequestTally {
    const tally = this.current ?? emptyTally();
    this.current = undefined;
    return tally;
  }

  close(): void {
    this.current = undefined;
    diagnostics_channel.unsubscribe(channelName, this.listener);
  }

  private sentBefore(request: ClientRequest): boolean {
    const id = request.getHeader('x-ms-client-request-id');
    if (id === undefined) return false;
    const key = String(id);
    if (this.recentIds.has(key) || this.olderIds.has(key)) return true;
    if (this.recentIds.size >= requestIdsPerGeneration) {
      this.olderIds = this.recentIds;
      this.recentIds = new Set();
    }
    this.recentIds.add(key);
    return false;
  }

  private destinationOf(request: ClientRequest): Destination {
    const host = String(request.getHeader('host') ?? '');
    const port = Number(/:(\d+)$/.exec(host)?.[1]);
    return this.ports.get(port) ?? 'other';
  }
}

/** The operation a request performs, from its method, path, query and a few headers. */
export function operationOf(destination: Destination, request: ClientRequest): string {
  const method = request.method.toUpperCase();
  const url = new URL(request.path, 'http://local');
  const comp = url.searchParams.get('comp');
  const restype = url.searchParams.get('restype');
  const header = (name: string): string | undefined => {
    const value = request.getHeader(name);
    return value === undefined ? undefined : String(value);
  };
  switch (destination) {
    case 'blob': {
      if (restype === 'container') {
        if (comp === 'list') return 'list';
        return method === 'PUT' ? 'create-container' : `container-${method.toLowerCase()}`;
      }
      if (comp === 'snapshot') return 'snapshot';
      if (comp === 'metadata') return method === 'PUT' ? 'set-metadata' : 'get-metadata';
      if (comp === 'pagelist') return 'page-ranges';
      if (comp === 'page') return 'put-pages';
      if (comp === 'list') return 'list';
      if (comp === 'userdelegationkey') return 'delegation-key';
      if (comp) return `${method.toLowerCase()}-${comp}`;
      if (method === 'PUT') return header('x-ms-copy-source') ? 'copy' : 'create';
      if (method === 'HEAD') return 'get-properties';
      if (method === 'GET') return 'download';
      if (method === 'DELETE') return 'delete';
      return method.toLowerCase();
    }
    case 'queue': {
      const segments = url.pathname.split('/').filter(Boolean);
      // /{account}/{queue}/messages[/{id}]
      if (segments[2] === 'messages') {
        if (segments.length > 3)
          return method === 'DELETE' ? 'delete' : method === 'PUT' ? 'update' : method.toLowerCase();
        if (method === 'POST') return 'send';
        if (method === 'GET') return url.searchParams.get('peekonly') === 'true' ? 'peek' : 'receive';
        if (method === 'DELETE') return 'clear';
      }
      if (segments.length === 2) return method === 'PUT' ? 'create-queue' : `queue-${method.toLowerCase()}`;
      return `${method.toLowerCase()}${comp ? `-${comp}` : ''}`;
    }
    case 'table':
      return method.toLowerCase();
    case 'cosmos': {
      if (/^true$/i.test(header('x-ms-cosmos-is-batch-request') ?? '')) return 'batch';
      if (/^true$/i.test(header('x-ms-cosmos-is-query-plan-request') ?? '')) return 'query-plan';
      if (
        /^true$/i.test(header('x-ms-documentdb-isquery') ?? '') ||
        /query\+json/.test(header('content-type') ?? '')
      )
        return 'query';
      const segments = url.pathname.split('/').filter(Boolean);
      const resource =
        segments.length % 2 === 0 ? segments[segments.length - 2] : segments[segments.length - 1];
      const isItem = segments.length % 2 === 0;
      if (resource === 'docs') {
        if (method === 'GET') return isItem ? 'read' : 'read-feed';
        if (method === 'PATCH') return 'patch';
        if (method === 'POST') return 'create';
        if (method === 'PUT') return 'replace';
        if (method === 'DELETE') return 'delete';
      }
      if (segments.length === 0) return 'account';
      return `${method.toLowerCase()}-${resource ?? 'root'}`;
    }
    default:
      return method.toLowerCase();
  }
}

/**
 * The container, queue or table a storage request addresses: the path segment after the account
 * (Azurite's URLs are path-style, `/{account}/{name}/...`); `(account)` for account-level calls.
 * Undefined for Cosmos DB and the control plane's own HTTP.
 */
export function resourceOf(destination: Destination, request: ClientRequest): string | undefined {
  if (destination !== 'blob' && destination !== 'queue' && destination !== 'table') return undefined;
  const segments = new URL(request.path, 'http://local').pathname.split('/').filter(Boolean);
  const name = segments[1];
  if (name === undefined) return '(account)';
  // Tables address entities as `Table(PartitionKey='…',RowKey='…')`.
  return decodeURIComponent(name).replace(/\(.*$/, '');
}

/** Each count divided by `devices`. */
export function perDevice(counts: Readonly<Record<string, number>>, devices: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => [key, count / devices]),
  );
}
