/**
 * The encryption a CopyStart copy was started with, kept in its catalogue record: a copy started
 * again (its record found, its target gone) is encrypted with the same disk encryption set.
 */
import { PointMetadata } from '../blob/restorePointMetadata';
import type { CopyEncryptionSettings } from './ArmSnapshots';

export function encryptionMetadata(encryption: CopyEncryptionSettings | undefined): Record<string, string> {
  return encryption
    ? {
        [PointMetadata.copyEncryptionType]: encryption.type,
        [PointMetadata.copyEncryptionSet]: encryption.diskEncryptionSetId,
      }
    : {};
}

export function recordedEncryption(metadata: Record<string, string>): CopyEncryptionSettings | undefined {
  const type = metadata[PointMetadata.copyEncryptionType];
  const set = metadata[PointMetadata.copyEncryptionSet];
  return type && set ? { type, diskEncryptionSetId: set } : undefined;
}
