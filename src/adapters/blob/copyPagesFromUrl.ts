/** Copies one page range from a source URL into the same offsets of a page blob. */
import type { PageBlobClient } from '@azure/storage-blob';

/**
 * Writes `count` bytes at `offset` of `target` from the same range of the source, on condition
 * that `target` still has ETag `ifMatch`; returns its new ETag.
 */
export type PageCopier = (
  target: PageBlobClient,
  sourceUrl: string,
  range: { offset: number; count: number },
  ifMatch: string,
) => Promise<string>;

/**
 * Put Page From URL: server-side, at most 4 MiB a request, the source read through a SAS. Not
 * implemented by Azurite 3.35 (501).
 */
export const copyPagesFromUrl: PageCopier = async (target, sourceUrl, { offset, count }, ifMatch) => {
  const response = await target.uploadPagesFromURL(sourceUrl, offset, offset, count, {
    conditions: { ifMatch },
  });
  if (!response.etag) throw new Error('Put Page From URL returned no ETag');
  return response.etag;
};
