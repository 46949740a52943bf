/**
 * The data behind a snapshot's SAS URL (the blob endpoint beginGetAccess returns): ranged GETs
 * of deterministic bytes, a function of the disk and the snapshot's place in its chain — so a
 * completed copy reads the same as its source, unless a `corrupt` copy fault was injected. Not
 * ARM: no bearer token, no ARM throttling; a revoked or expired SAS answers 403.
 */
import { createHash } from 'node:crypto';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';

const GIB = 1024 ** 3;
const MAX_RANGE = 4 * 1024 * 1024;

export function serveSas(
  ctx: ArmContext,
  token: string,
  method: string,
  rangeHeader: string | undefined,
): HandlerResult {
  const now = ctx.clock.now();
  // Live snapshots only: a deleted one leaves the token index with its record.
  const record = ctx.store.sasTokens.get(token);
  if (!record || (record.sasUntil ?? 0) <= now)
    return { status: 403, body: 'AuthenticationFailed: the SAS is not valid or has been revoked.' };
  const disk = ctx.store.disks.get(record.diskKey);
  const length = (disk?.seed.sizeGB ?? 0) * GIB;
  const headers = {
    'Content-Type': 'application/octet-stream',
    'x-ms-blob-type': 'PageBlob',
    'Accept-Ranges': 'bytes',
  };
  if (method === 'HEAD') return { status: 200, headers: { ...headers, 'Content-Length': String(length) } };
  const match = rangeHeader ? /bytes=(\d+)-(\d+)/.exec(rangeHeader) : null;
  if (!match)
    return { status: 416, body: 'The double serves ranged reads only (Range: bytes=a-b, at most 4 MiB).' };
  const start = Number(match[1]);
  const end = Math.min(Number(match[2]), length - 1);
  if (end < start || end - start + 1 > MAX_RANGE) return { status: 416, body: 'Range not satisfiable.' };
  const seed = `${disk?.uniqueId ?? ''}:${record.chainIndex}${record.copy?.corrupt ? ':corrupt' : ''}`;
  return {
    status: 206,
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${length}` },
    body: bytesAt(seed, start, end - start + 1),
  };
}

function bytesAt(seed: string, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  const blockSize = 32;
  let written = 0;
  let block = Math.floor(offset / blockSize);
  let skip = offset % blockSize;
  while (written < length) {
    const digest = createHash('sha256').update(`${seed}:${block}`).digest();
    const take = Math.min(blockSize - skip, length - written);
    digest.copy(out, written, skip, skip + take);
    written += take;
    skip = 0;
    block += 1;
  }
  return out;
}
