/**
 * A simulated temporary device as its page blob describes it: the metadata it is created with (its
 * tags, its times and its fate, decided once at creation) and the state read back from that
 * metadata and the blob's copy status at a given time.
 */
import type { CopyStatusType } from '@azure/storage-blob';
import type {
  TemporaryDevice,
  TemporaryDeviceRequest,
  TemporaryDeviceState,
  TemporaryDeviceTags,
} from '../../ports/ComputeProvider';

/** Metadata names are case-insensitive and come back lower-case, so they are written that way. */
export const DeviceMetadata = {
  tenantId: 'tenantid',
  activationId: 'activationid',
  deviceId: 'deviceid',
  createdAt: 'createdat',
  readyAt: 'readyat',
  /** `ready` or `failed`: how provisioning ends, decided at creation. */
  outcome: 'outcome',
  failureReason: 'failurereason',
  /** Names this creation's marker, so a creation whose marker was never written is still counted. */
  creationId: 'creationid',
} as const;

/** What the state of a device is read from: its metadata, and its copy on Azure where copies take time. */
export interface DeviceBlob {
  metadata?: Record<string, string>;
  copyStatus?: CopyStatusType;
  copyStatusDescription?: string;
}

/** How a creation turns out, decided before the device is written. */
export interface DeviceFate {
  createdAt: Date;
  readyAt: Date;
  /** Set when provisioning is to end failed. */
  failureReason?: string;
  creationId: string;
}

/** A device's name is one blob name; the port's names are far shorter (Azure's 64 characters). */
const maxNameLength = 1024;

export function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > maxNameLength) {
    throw new TypeError(`A temporary device name must have 1 to ${maxNameLength} characters`);
  }
}

export function newDeviceMetadata(request: TemporaryDeviceRequest, fate: DeviceFate): Record<string, string> {
  return {
    [DeviceMetadata.tenantId]: request.tags.tenantId,
    [DeviceMetadata.activationId]: request.tags.activationId,
    [DeviceMetadata.deviceId]: request.tags.deviceId,
    [DeviceMetadata.createdAt]: fate.createdAt.toISOString(),
    [DeviceMetadata.readyAt]: fate.readyAt.toISOString(),
    [DeviceMetadata.outcome]: fate.failureReason !== undefined ? 'failed' : 'ready',
    ...(fate.failureReason !== undefined ? { [DeviceMetadata.failureReason]: fate.failureReason } : {}),
    [DeviceMetadata.creationId]: fate.creationId,
  };
}

/** The state a device blob says it is in at `now`; a blob that is not a simulated device is failed. */
export function stateOf(blob: DeviceBlob, now: Date): TemporaryDeviceState {
  switch (blob.copyStatus) {
    case 'pending':
      return { state: 'provisioning' };
    case 'failed':
    case 'aborted':
      return {
        state: 'failed',
        reason: `the disk copy ${blob.copyStatus}: ${blob.copyStatusDescription || 'no reason given'}`,
      };
  }
  const metadata = blob.metadata ?? {};
  const createdAt = metadata[DeviceMetadata.createdAt];
  const readyAt = Date.parse(metadata[DeviceMetadata.readyAt] ?? '');
  if (!createdAt || Number.isNaN(Date.parse(createdAt)) || Number.isNaN(readyAt)) {
    return { state: 'failed', reason: 'not a simulated device: its creation metadata is missing' };
  }
  if (now.getTime() < readyAt) return { state: 'provisioning' };
  if (metadata[DeviceMetadata.outcome] === 'failed') {
    return {
      state: 'failed',
      reason: metadata[DeviceMetadata.failureReason] || 'simulated provisioning failure',
    };
  }
  return { state: 'ready', createdAt };
}

function tagsOf(metadata: Readonly<Record<string, string>> | undefined): TemporaryDeviceTags {
  return {
    tenantId: metadata?.[DeviceMetadata.tenantId] ?? '',
    activationId: metadata?.[DeviceMetadata.activationId] ?? '',
    deviceId: metadata?.[DeviceMetadata.deviceId] ?? '',
  };
}

export function toDevice(region: string, name: string, blob: DeviceBlob, now: Date): TemporaryDevice {
  return { name, region, tags: tagsOf(blob.metadata), status: stateOf(blob, now) };
}
