import type { BlobClient } from '@azure/storage-blob';
import { isNotFound, statusCodeOf } from './storageErrors';

/**
 * Aborts a copy still running into a blob, since the service refuses to delete a blob with a
 * pending copy. The copy may have finished or failed since it was read: then there is nothing to
 * abort, and that is success.
 */
export async function abortPendingCopy(
  blob: Pick<BlobClient, 'abortCopyFromURL'>,
  read: { copyStatus?: string; copyId?: string },
): Promise<boolean> {
  if (read.copyStatus !== 'pending' || !read.copyId) return false;
  try {
    await blob.abortCopyFromURL(read.copyId);
  } catch (err) {
    if (statusCodeOf(err) !== 409 && !isNotFound(err)) throw err;
  }
  return true;
}
