import type { BlobGetPropertiesResponse, PageBlobClient } from '@azure/storage-blob';
import type { VerifyResult } from '../../ports/RestorePointStore';
import { comparePageBlobs } from './comparePageBlobs';
import type { RestorePointCatalog } from './RestorePointCatalog';
import type { SamplingOptions } from './sampleRanges';

/**
 * The last step of both stores' `verify`: compares the point's content with its source snapshot,
 * then stamps the hash found on the point blob. The stamp is conditional on the ETag `read` before
 * comparing, so a point replaced meanwhile fails; `markVerified` accepts only a stamped hash.
 */
export async function compareAndStamp(
  catalog: RestorePointCatalog,
  point: { region: string; name: string; read: BlobGetPropertiesResponse },
  source: PageBlobClient,
  content: PageBlobClient,
  sampling: SamplingOptions | undefined,
): Promise<VerifyResult> {
  const result = await comparePageBlobs(source, content, sampling);
  if (!result.ok) return result;
  if (!(await catalog.stampChecked(point.region, point.name, point.read, result.hash))) {
    return { ok: false, reason: 'the point changed while it was being verified' };
  }
  return result;
}
