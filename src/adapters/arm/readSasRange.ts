/**
 * Reads a byte range of a snapshot through its read-only SAS URL (what beginGetAccess returns): a
 * ranged GET of the blob behind it. Plain HTTP, so the CA of a test endpoint can be named.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type SasRangeReader = (url: string, offset: number, length: number) => Promise<Buffer>;

export interface SasRangeReaderOptions {
  /** A private CA (a test double's); never needed against Azure. */
  ca?: string;
  timeoutInMs?: number;
}

export function sasRangeReader(options: SasRangeReaderOptions = {}): SasRangeReader {
  return (url, offset, length) =>
    new Promise<Buffer>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: 'GET',
          headers: { Range: `bytes=${offset}-${offset + length - 1}`, 'x-ms-version': '2021-08-06' },
          ...(options.ca ? { ca: options.ca } : {}),
          timeout: options.timeoutInMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            if (res.statusCode !== 206 && res.statusCode !== 200) {
              reject(new Error(`Ranged read of a snapshot answered ${res.statusCode ?? 'no status'}`));
              return;
            }
            resolve(Buffer.concat(chunks));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('Ranged read of a snapshot timed out')));
      req.on('error', reject);
      req.end();
    });
}
