/** What a sign-in client shows a user during disaster recovery, from their devices' recovery holds. */
import type { Device } from '../domain/device';
import { NotFoundError } from '../domain/errors';
import type { DeviceStore } from '../ports/DeviceStore';

export type UserDrState = 'normal' | 'recovering' | 'on-temporary-device';

export interface DeviceDrStatus {
  deviceId: string;
  status: UserDrState;
  primaryRegion: string;
  activationId?: string;
  /** Where the user works now, while on a temporary device. */
  region?: string;
  temporaryDevice?: string;
  since?: string;
}

export interface UserDrStatus {
  upn: string;
  /** The most pressing of the user's devices: on a temporary device, then being recovered, then normal. */
  status: UserDrState;
  message: string;
  devices: DeviceDrStatus[];
}

const rank: Record<UserDrState, number> = { normal: 0, recovering: 1, 'on-temporary-device': 2 };

export class UserDrStatusService {
  constructor(private readonly devices: DeviceStore) {}

  async get(tenantId: string, upn: string): Promise<UserDrStatus> {
    const devices = await this.devices.findByUpn(tenantId, upn);
    if (devices.length === 0) throw new NotFoundError(`A Cloud PC of ${upn}`);
    const statuses = devices.map(deviceStatus).sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    const worst = statuses.reduce((a, b) => (rank[b.status] > rank[a.status] ? b : a));
    return { upn, status: worst.status, message: messageFor(worst), devices: statuses };
  }
}

function deviceStatus(device: Device): DeviceDrStatus {
  const base = { deviceId: device.id, primaryRegion: device.primaryRegion };
  const recovery = device.recovery;
  if (!recovery || recovery.state === 'releasing') return { ...base, status: 'normal' };
  const held = { activationId: recovery.activationId, since: recovery.since };
  if (recovery.state === 'active') {
    return {
      ...base,
      ...held,
      status: 'on-temporary-device',
      region: recovery.backupRegion,
      ...(recovery.temporaryDevice ? { temporaryDevice: recovery.temporaryDevice } : {}),
    };
  }
  return { ...base, ...held, status: 'recovering' };
}

function messageFor(status: DeviceDrStatus): string {
  switch (status.status) {
    case 'normal':
      return 'Your Cloud PC is running normally.';
    case 'recovering':
      return `Your Cloud PC's region (${status.primaryRegion}) is in an outage. A temporary Cloud PC is being prepared; sign in again shortly.`;
    case 'on-temporary-device':
      return `You are on a temporary Cloud PC in ${status.region} while ${status.primaryRegion} recovers. Work saved on it is deleted when disaster recovery ends.`;
  }
}
