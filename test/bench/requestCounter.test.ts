import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnonymousCredential, BlobClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestCounter, tagged } from '../../bench/requestCounter';

/**
 * A blob endpoint that fails the first attempt of every request with 503 (which the storage SDK
 * retries) and answers the next one, so a retry can be watched without depending on load.
 */
function flakyBlobEndpoint(): Server {
  const attempts = new Map<string, number>();
  return createServer((request, response) => {
    const id = String(request.headers['x-ms-client-request-id']);
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    response.statusCode = attempt === 1 ? 503 : 200;
    response.setHeader('x-ms-blob-type', 'PageBlob');
    response.setHeader('content-length', '0');
    response.end();
  });
}

describe('RequestCounter', () => {
  let server: Server;
  let counter: RequestCounter;
  let blob: BlobClient;

  beforeAll(async () => {
    server = flakyBlobEndpoint();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    counter = new RequestCounter(new Map([[port, 'blob']]));
    blob = new BlobClient(`http://127.0.0.1:${port}/account/container/disk.vhd`, new AnonymousCredential(), {
      retryOptions: { maxTries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
    });
  });

  afterAll(async () => {
    counter.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts an operation once however often the SDK re-sends it, and its re-sends apart', async () => {
    counter.begin();
    await blob.getProperties();
    await blob.getProperties();
    const tally = counter.end();

    expect(tally.byKind).toEqual({ 'blob:get-properties': 2 });
    expect(tally.total).toBe(2);
    expect(tally.retriesByKind).toEqual({ 'blob:get-properties': 2 });
  });

  it("counts the benchmark's own requests apart, by tag", async () => {
    counter.begin();
    await tagged('probe', () => blob.getProperties());
    const tally = counter.end();

    expect(tally.total).toBe(0);
    expect(tally.excluded.probe).toBe(2);
  });
});
