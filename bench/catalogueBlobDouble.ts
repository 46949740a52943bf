/**
 * A stand-in for the backup region's Blob Storage, for the `managed-cycle-arm` benchmark at 10,000
 * devices and more: an in-process HTTP endpoint serving, in memory, the Blob service operations the
 * restore-point catalogue (src/adapters/blob/RestorePointCatalog.ts) makes on its container — so the
 * product's catalogue and the real `@azure/storage-blob` client run unchanged, only the server is
 * not Azurite. Why: Azurite serves one request at a time on its own thread and its cost grows with
 * the blobs in an account (its prefix listing fell from 450 a second at 20,000 records to 77–183 at
 * 80,000 on this machine, bench/README.md), while the cycle makes some 60 catalogue calls per
 * device; at 50,000 devices Azurite, not ARM, would set the pace, and Azure's Blob Storage draws on
 * none of ARM's limits. `--catalogue azurite` keeps Azurite (the default); the two agree at 1,000
 * devices (bench/README.md).
 *
 * Served (learn.microsoft.com/rest/api/storageservices): Create Container; Put Blob of an empty
 * block blob with metadata, `If-None-Match: *` answering 409 BlobAlreadyExists when it exists
 * ("put-blob", conditional headers); Set Blob Metadata with `If-Match` (412 ConditionNotMet);
 * Get Blob Properties (HEAD); Delete Blob; List Blobs with a prefix, in name order with their
 * metadata ("list-blobs": "returns entities in alphabetical order"), up to 5,000 a page with a
 * NextMarker. Nothing else (no data, no blob snapshots, no copies: a managed-disk point's record
 * has none), and no authentication check: it is not a storage emulator.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A container's blobs, and their names kept sorted so a prefix listing reads only its own range. */
class Container {
  readonly blobs = new Map<string, BlobRecord>();
  private readonly names: string[] = [];

  set(name: string, record: BlobRecord): void {
    if (!this.blobs.has(name)) this.names.splice(lowerBound(this.names, name), 0, name);
    this.blobs.set(name, record);
  }

  delete(name: string): void {
    if (!this.blobs.delete(name)) return;
    this.names.splice(lowerBound(this.names, name), 1);
  }

  /** Up to `max + 1` names that start with `prefix`, from `marker` on, in name order. */
  range(prefix: string, marker: string, max: number): string[] {
    const out: string[] = [];
    for (let i = lowerBound(this.names, marker > prefix ? marker : prefix); i < this.names.length; i += 1) {
      const name = this.names[i]!;
      if (!name.startsWith(prefix) || out.length > max) break;
      out.push(name);
    }
    return out;
  }
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface BlobRecord {
  metadata: Record<string, string>;
  etag: string;
  lastModified: Date;
  created: Date;
}

export interface CatalogueBlobDouble {
  /** A connection string for the account (any key: it is not checked). */
  connectionString: string;
  /** Requests served, by operation. */
  requests(): Record<string, number>;
  close(): Promise<void>;
}

const pageSize = 5_000;

export async function startCatalogueBlobDouble(account: string): Promise<CatalogueBlobDouble> {
  const containers = new Map<string, Container>();
  const counts: Record<string, number> = {};
  let etagSeq = 0;
  const nextEtag = () => `"0x8DD${(++etagSeq).toString(16).toUpperCase().padStart(12, '0')}"`;

  const server = createServer((req, res) => {
    void readBody(req).then(() => {
      try {
        serve(req, res);
      } catch (err) {
        reply(res, 500, 'InternalError', err instanceof Error ? err.message : String(err));
      }
    });
  });

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== account) return reply(res, 404, 'ResourceNotFound', `No account ${segments[0]}`);
    const containerName = segments[1];
    const blobName = segments.slice(2).join('/');
    const method = (req.method ?? 'GET').toUpperCase();
    const comp = url.searchParams.get('comp');
    const restype = url.searchParams.get('restype');
    const count = (op: string) => (counts[op] = (counts[op] ?? 0) + 1);
    if (!containerName) return reply(res, 400, 'InvalidUri', 'No container');

    if (!blobName && restype === 'container') {
      if (method === 'PUT' && !comp) {
        count('createContainer');
        if (containers.has(containerName))
          return reply(res, 409, 'ContainerAlreadyExists', 'The specified container already exists.');
        containers.set(containerName, new Container());
        return write(res, 201, { ETag: nextEtag(), 'Last-Modified': new Date().toUTCString() });
      }
      if (method === 'GET' && comp === 'list') {
        count('listBlobs');
        const container = containers.get(containerName);
        if (!container)
          return reply(res, 404, 'ContainerNotFound', 'The specified container does not exist.');
        return write(
          res,
          200,
          { 'Content-Type': 'application/xml' },
          listing(url, account, containerName, container),
        );
      }
      return reply(res, 400, 'UnsupportedOperation', `${method} ${url.search}`);
    }

    const container = containers.get(containerName);
    const blob = container?.blobs.get(blobName);
    if (method === 'HEAD' && !comp) {
      count('getProperties');
      if (!blob) return write(res, 404, { 'x-ms-error-code': 'BlobNotFound' });
      return write(res, 200, blobHeaders(blob));
    }
    if (method === 'PUT' && comp === 'metadata') {
      count('setMetadata');
      if (!blob) return reply(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      const ifMatch = header(req, 'if-match');
      if (ifMatch && ifMatch !== '*' && ifMatch !== blob.etag)
        return reply(
          res,
          412,
          'ConditionNotMet',
          'The condition specified using HTTP conditional header(s) is not met.',
        );
      blob.metadata = metadataOf(req);
      blob.etag = nextEtag();
      blob.lastModified = new Date();
      return write(res, 200, { ETag: blob.etag, 'Last-Modified': blob.lastModified.toUTCString() });
    }
    if (method === 'PUT' && !comp) {
      count('putBlob');
      if (!container) return reply(res, 404, 'ContainerNotFound', 'The specified container does not exist.');
      if (header(req, 'x-ms-blob-type') !== 'BlockBlob')
        return reply(res, 400, 'UnsupportedBlobType', 'Only empty block blobs are served here.');
      const ifNoneMatch = header(req, 'if-none-match');
      if (blob && ifNoneMatch === '*')
        return reply(res, 409, 'BlobAlreadyExists', 'The specified blob already exists.');
      const ifMatch = header(req, 'if-match');
      if (ifMatch && (!blob || (ifMatch !== '*' && ifMatch !== blob.etag)))
        return reply(
          res,
          412,
          'ConditionNotMet',
          'The condition specified using HTTP conditional header(s) is not met.',
        );
      const now = new Date();
      const record: BlobRecord = {
        metadata: metadataOf(req),
        etag: nextEtag(),
        lastModified: now,
        created: now,
      };
      container.set(blobName, record);
      return write(res, 201, { ETag: record.etag, 'Last-Modified': now.toUTCString() });
    }
    if (method === 'DELETE' && !comp) {
      count('deleteBlob');
      if (!blob) return reply(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      container!.delete(blobName);
      return write(res, 202, {});
    }
    return reply(res, 400, 'UnsupportedOperation', `${method} ${url.pathname}${url.search}`);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Node's default keep-alive timeout (5 s) is far below the clients' idle gaps at a low time scale.
  server.keepAliveTimeout = 60_000;
  const port = (server.address() as AddressInfo).port;
  return {
    connectionString: [
      'DefaultEndpointsProtocol=http',
      `AccountName=${account}`,
      `AccountKey=${Buffer.from(`${account}-catalogue-double`).toString('base64')}`,
      `BlobEndpoint=http://127.0.0.1:${port}/${account}`,
    ].join(';'),
    requests: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** List Blobs: the names under the prefix after the marker, in name order, a page at a time. */
function listing(url: URL, account: string, containerName: string, container: Container): string {
  const prefix = url.searchParams.get('prefix') ?? '';
  const marker = url.searchParams.get('marker') ?? '';
  const max = Math.min(pageSize, Number(url.searchParams.get('maxresults') ?? pageSize) || pageSize);
  const names = container.range(prefix, marker, max);
  const page = names.slice(0, max);
  const nextMarker = names[max] ?? '';
  const blobs = page
    .map((name) => {
      const blob = container.blobs.get(name)!;
      const metadata = Object.entries(blob.metadata)
        .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
        .join('');
      return (
        `<Blob><Name>${xml(name)}</Name><Properties>` +
        `<Creation-Time>${blob.created.toUTCString()}</Creation-Time>` +
        `<Last-Modified>${blob.lastModified.toUTCString()}</Last-Modified>` +
        `<Etag>${xml(blob.etag)}</Etag><Content-Length>0</Content-Length>` +
        `<Content-Type>application/octet-stream</Content-Type><BlobType>BlockBlob</BlobType>` +
        `<LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>` +
        `<ServerEncrypted>true</ServerEncrypted></Properties>` +
        `<Metadata>${metadata}</Metadata></Blob>`
      );
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<EnumerationResults ServiceEndpoint="http://127.0.0.1/${account}/" ContainerName="${xml(containerName)}">` +
    `<Prefix>${xml(prefix)}</Prefix><Marker>${xml(marker)}</Marker><MaxResults>${max}</MaxResults>` +
    `<Blobs>${blobs}</Blobs><NextMarker>${xml(nextMarker)}</NextMarker></EnumerationResults>`
  );
}

function blobHeaders(blob: BlobRecord): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: blob.etag,
    'Last-Modified': blob.lastModified.toUTCString(),
    'x-ms-creation-time': blob.created.toUTCString(),
    'Content-Length': '0',
    'Content-Type': 'application/octet-stream',
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-lease-status': 'unlocked',
    'x-ms-lease-state': 'available',
    'x-ms-server-encrypted': 'true',
  };
  for (const [k, v] of Object.entries(blob.metadata)) headers[`x-ms-meta-${k}`] = v;
  return headers;
}

function metadataOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (name.startsWith('x-ms-meta-') && typeof value === 'string')
      out[name.slice('x-ms-meta-'.length)] = value;
  return out;
}

function reply(res: ServerResponse, status: number, code: string, message: string): void {
  const body =
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code>` +
    `<Message>${xml(message)}\nRequestId:${randomUUID()}</Message></Error>`;
  write(res, status, { 'Content-Type': 'application/xml', 'x-ms-error-code': code }, body);
}

function write(res: ServerResponse, status: number, headers: Record<string, string>, body?: string): void {
  res.writeHead(status, {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-01-05',
    ...headers,
    ...(body !== undefined && !('Content-Length' in headers)
      ? { 'Content-Length': String(Buffer.byteLength(body)) }
      : {}),
  });
  res.end(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // An empty block blob's body, or none: read only to free the socket.
  }
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
