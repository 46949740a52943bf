/**
 * Azurite checks the source of a copy given with a SAS (or in another account) by requesting it
 * itself, `GET {source}&comp=metadata`, to see whether the SAS is accepted. Azurite has no Get Blob
 * Metadata operation, so that request is served as Get Blob: the whole source blob comes back, and
 * axios turns it into a string and tries to parse it as JSON, all in Azurite's one thread. Every
 * copy the protection cycle (primary snapshot → backup region) and the activation (restore point →
 * temporary device) make is such a copy. A 20 s CPU profile of Azurite while 10,000 devices were
 * recovered: axios' `transformResponse` and `Buffer.toString` alone, self time, 16 % of its thread,
 * besides serving the download; after this check, neither, and Azurite 5 % less busy per device.
 *
 * This check asks with HEAD (Get Blob Properties), which authorises the SAS as Get Blob does and
 * returns no body. Only a source that answers anything but 200 goes on to Azurite's own check, so
 * a refused copy fails with the same error as before; so does a source on another host, which
 * Azurite refuses without a request.
 */
import { checkAzuritePackages, requireFromAzurite } from './azuriteLoki';
import { expectFunction } from './patchChecks';

type ValidateCopySource = (
  this: BlobHandler,
  copySource: string,
  sourceAccount: string,
  context: unknown,
) => Promise<void>;

interface BlobHandler {
  NewUriFromCopySource(copySource: string, context: unknown): URL;
  validateCopySource: ValidateCopySource;
  [azuriteValidateCopySource]?: ValidateCopySource;
}

interface BlobStorageContextClass {
  new (context: unknown): { request?: { getHeader(name: string): string | undefined } };
}

/** Azurite's own check, kept for the sources the HEAD does not accept and for the test. */
export const azuriteValidateCopySource = Symbol.for('clouddr.azuriteValidateCopySource');

export function blobHandlerPrototype(): BlobHandler {
  const module = requireFromAzurite('./blob/handlers/BlobHandler.js') as {
    default: { prototype: BlobHandler };
  };
  return module.default.prototype;
}

export function installHeadCopySourceCheck(): void {
  const fix = 'headCopySourceCheck';
  const { azurite } = checkAzuritePackages(fix);
  const prototype = blobHandlerPrototype();
  expectFunction(fix, azurite, prototype, 'validateCopySource', 3);
  expectFunction(fix, azurite, prototype, 'NewUriFromCopySource', 2);
  // Loaded once here, not on every copy.
  const { default: BlobStorageContext } = requireFromAzurite('./blob/context/BlobStorageContext.js') as {
    default: BlobStorageContextClass;
  };
  prototype[azuriteValidateCopySource] ??= prototype.validateCopySource;
  prototype.validateCopySource = async function (copySource, sourceAccount, context) {
    const host = new BlobStorageContext(context).request?.getHeader('Host');
    if (host && host === this.NewUriFromCopySource(copySource, context).host) {
      const response = await fetch(copySource, { method: 'HEAD' }).catch(() => undefined);
      if (response?.status === 200) return;
    }
    await this[azuriteValidateCopySource]!.call(this, copySource, sourceAccount, context);
  };
}
