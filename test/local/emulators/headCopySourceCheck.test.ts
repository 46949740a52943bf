/**
 * The copy source check `azuriteProcess` installs: a HEAD of the source instead of Azurite's GET,
 * which downloads the whole source blob. In this process against a recording server (which
 * request goes out, and when Azurite's own check takes over), then through the SDK against the
 * test Azurite, which runs with the check installed: copies it must accept and refuse.
 */
import { RestError } from '@azure/storage-blob';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireFromAzurite } from '../../../src/local/emulators/azuriteLoki';
import {
  azuriteValidateCopySource,
  blobHandlerPrototype,
  installHeadCopySourceCheck,
} from '../../../src/local/emulators/headCopySourceCheck';
import {
  azuriteRegionClients,
  backup,
  createDisk,
  patternBytes,
  readUrlOf,
  snapshotOf,
  uniqueId,
} from '../../adapters/blob/azuriteRegions';

const { default: BlobStorageContext } = requireFromAzurite('./blob/context/BlobStorageContext.js') as {
  default: new (holder: object, path: string, request: object) => object;
};

describe('headCopySourceCheck', () => {
  let server: Server;
  let host: string;
  const seen: string[] = [];
  let status = 200;

  beforeAll(async () => {
    installHeadCopySourceCheck();
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.writeHead(status).end(request.method === 'HEAD' ? undefined : 'the whole blob');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A handler whose Azurite check is a spy; the context says the request came to `requestHost`. */
  function check(requestHost: string) {
    const azuriteCheck = vi.fn(() => Promise.reject(new Error("Azurite's check")));
    const handler = Object.create(blobHandlerPrototype()) as Record<symbol, unknown> & {
      validateCopySource(source: string, account: string, context: unknown): Promise<void>;
    };
    handler[azuriteValidateCopySource] = azuriteCheck;
    // A request's context as Azurite's handlers get it: its request answers the Host header.
    const context = new BlobStorageContext({}, 'context', {
      getHeader: (name: string) => (name === 'Host' ? requestHost : undefined),
    });
    const source = `http://${host}/devstoreaccount1/disks/pc.vhd?snapshot=s1&sv=2021&sig=abc`;
    return {
      validate: () => handler.validateCopySource(source, 'devstoreaccount1', context),
      azuriteCheck,
      source,
      context,
    };
  }

  it('accepts a source that answers a HEAD with 200, without downloading it', async () => {
    seen.length = 0;
    status = 200;
    const { validate, azuriteCheck } = check(host);
    await validate();
    expect(seen).toEqual(['HEAD /devstoreaccount1/disks/pc.vhd?snapshot=s1&sv=2021&sig=abc']);
    expect(azuriteCheck).not.toHaveBeenCalled();
  });

  it("leaves a source the HEAD is refused for to Azurite's own check, with its error", async () => {
    seen.length = 0;
    status = 403;
    const { validate, azuriteCheck, source, context } = check(host);
    await expect(validate()).rejects.toThrow("Azurite's check");
    expect(seen).toEqual(['HEAD /devstoreaccount1/disks/pc.vhd?snapshot=s1&sv=2021&sig=abc']);
    expect(azuriteCheck).toHaveBeenCalledWith(source, 'devstoreaccount1', context);
  });

  it("leaves a source on another host to Azurite's own check, without a request", async () => {
    seen.length = 0;
    status = 200;
    const { validate, azuriteCheck } = check('127.0.0.1:1');
    await expect(validate()).rejects.toThrow("Azurite's check");
    expect(seen).toEqual([]);
    expect(azuriteCheck).toHaveBeenCalledOnce();
  });
});

describe('copies from a SAS on the test Azurite, which runs the check', () => {
  it('copies from a readable snapshot, and refuses a tampered or missing source as Azurite does', async () => {
    const clients = azuriteRegionClients();
    const disk = await createDisk(clients, 64 * 1024, [{ offset: 0, bytes: patternBytes('sas', 8 * 1024) }]);
    const snapshot = await snapshotOf(disk);
    const url = await readUrlOf(clients, snapshot);
    const target = clients.get(backup)!.getContainerClient('copy-source-check');
    await target.createIfNotExists();

    const copied = target.getPageBlobClient(uniqueId('copy'));
    expect((await (await copied.beginCopyFromURL(url)).pollUntilDone()).copyStatus).toBe('success');
    const bytes = await disk.blob.withSnapshot(snapshot.snapshotId).downloadToBuffer();
    expect((await copied.downloadToBuffer()).equals(bytes)).toBe(true);

    const refusal = async (source: string) => {
      const error = await target
        .getPageBlobClient(uniqueId('refused'))
        .beginCopyFromURL(source)
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(error).toBeInstanceOf(RestError);
      return { status: (error as RestError).statusCode, code: (error as RestError).code };
    };
    const tampered = new URL(url);
    tampered.searchParams.set('sig', Buffer.alloc(32, 1).toString('base64'));
    expect(await refusal(tampered.toString())).toEqual({ status: 403, code: 'CannotVerifyCopySource' });
    await disk.blob.withSnapshot(snapshot.snapshotId).delete();
    expect(await refusal(url)).toEqual({ status: 404, code: 'CannotVerifyCopySource' });
  });
});
