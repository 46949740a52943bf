/**
 * What the sign-in client is told of each device, from its hold, its recovery task and its region's
 * outage, over in-memory stores: every way a device in an outage can end up without a temporary
 * device says so and why, and a device outside any outage costs one tenant read more.
 */
import { describe, expect, it } from 'vitest';
import { UserDrStatusService } from '../../src/app/UserDrStatus';
import type { Activation } from '../../src/domain/activation';
import type { Device, DeviceRecovery } from '../../src/domain/device';
import type { RecoveryTask } from '../../src/domain/recoveryTask';
import type { Tenant } from '../../src/domain/tenant';
import type { ActivationStore } from '../../src/ports/ActivationStore';
import type { DeviceStore } from '../../src/ports/DeviceStore';
import type { TenantStore } from '../../src/ports/TenantStore';

const tenantId = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const since = '2026-01-01T00:00:00.000Z';

function device(id: string, recovery?: DeviceRecovery, overrides: Partial<Device> = {}): Device {
  return {
    id,
    tenantId,
    upn: 'ada@contoso.test',
    primaryRegion: 'westeurope',
    disk: { kind: 'pageBlob', container: 'disks', blob: `${id}.vhd` },
    policyId: 'standard',
    priorityTier: 1,
    licensed: true,
    protection: { backupRegion: 'northeurope', rpoHours: 4, enabled: true },
    nextDueAt: since,
    announced: 'protected',
    createdAt: since,
    updatedAt: since,
    ...(recovery ? { recovery } : {}),
    ...overrides,
  };
}

function activation(id: string, overrides: Partial<Activation> = {}): Activation {
  return {
    id,
    tenantId,
    idempotencyKey: id,
    requestHash: 'hash',
    scope: { kind: 'region', region: 'westeurope' },
    recoverFirst: [],
    waveDeadlineMinutes: 60,
    state: 'completed',
    requestedBy: 'oncall@contoso.test',
    requestedAt: since,
    waves: [],
    owner: { region: 'westeurope', epoch: 1, leaseUntil: since },
    updatedAt: since,
    ...overrides,
  };
}

function task(activationId: string, deviceId: string, overrides: Partial<RecoveryTask>): RecoveryTask {
  return {
    id: `${activationId}:${deviceId}`,
    activationId,
    tenantId,
    deviceId,
    upn: 'ada@contoso.test',
    primaryRegion: 'westeurope',
    backupRegion: 'northeurope',
    priorityTier: 1,
    wave: 1,
    state: 'planned',
    attempt: 0,
    dispatch: 0,
    updatedAt: '2026-01-01T00:05:00.000Z',
    ...overrides,
  };
}

interface World {
  devices: Device[];
  outage?: string[];
  activations?: Activation[];
  tasks?: RecoveryTask[];
}

function service(world: World) {
  const reads = { tenant: 0, holding: 0, task: 0 };
  const devices = { findByUpn: async () => world.devices } as unknown as DeviceStore;
  const tenants = {
    get: async () => {
      reads.tenant += 1;
      return { id: tenantId, regionsInOutage: world.outage ?? [] } as unknown as Tenant;
    },
  } as unknown as TenantStore;
  const activations = {
    listHolding: async () => {
      reads.holding += 1;
      return world.activations ?? [];
    },
    getTask: async (activationId: string, deviceId: string) => {
      reads.task += 1;
      return world.tasks?.find((t) => t.activationId === activationId && t.deviceId === deviceId);
    },
  } as unknown as ActivationStore;
  return { reads, status: new UserDrStatusService(devices, tenants, activations) };
}

const held = (state: DeviceRecovery['state'], activationId = 'act-1'): DeviceRecovery => ({
  activationId,
  state,
  backupRegion: 'northeurope',
  since,
  ...(state === 'active' ? { temporaryDevice: 'tmp-1-pc-1' } : {}),
});

describe('UserDrStatusService', () => {
  it('reads only the tenant more for a device outside any outage', async () => {
    const { status, reads } = service({ devices: [device('pc-1')] });
    const answer = await status.get(tenantId, 'ada@contoso.test');
    expect(answer).toMatchObject({ status: 'normal', message: 'Your Cloud PC is running normally.' });
    expect(reads).toEqual({ tenant: 1, holding: 0, task: 0 });
  });

  it('says a device the outage of its region skipped was not recovered, with the skip reason', async () => {
    const { status } = service({
      devices: [device('pc-1')],
      outage: ['westeurope'],
      activations: [activation('act-1')],
      tasks: [task('act-1', 'pc-1', { state: 'skipped', skipReason: 'no-verified-restore-point' })],
    });
    const answer = await status.get(tenantId, 'ada@contoso.test');
    expect(answer.status).toBe('not-recovered');
    expect(answer.devices).toEqual([
      {
        deviceId: 'pc-1',
        primaryRegion: 'westeurope',
        status: 'not-recovered',
        reason: 'skipped: no-verified-restore-point',
        activationId: 'act-1',
        since: '2026-01-01T00:05:00.000Z',
      },
    ]);
    expect(answer.message).toBe(
      "Your Cloud PC's region (westeurope) is in an outage, and your Cloud PC was not recovered to a temporary one (it had no verified restore point). Contact your IT support.",
    );
  });

  it('says a held device whose recovery failed or was cancelled was not recovered', async () => {
    for (const [state, reason] of [
      ['failed', 'failed'],
      ['cancelled', 'cancelled'],
    ] as const) {
      const { status } = service({
        devices: [device('pc-1', held('recovering'))],
        tasks: [task('act-1', 'pc-1', { state })],
      });
      expect((await status.get(tenantId, 'ada@contoso.test')).devices[0], state).toMatchObject({
        status: 'not-recovered',
        reason,
        activationId: 'act-1',
      });
    }
  });

  it('keeps a held device being recovered as recovering, and one on its temporary device there', async () => {
    const { status } = service({
      devices: [device('pc-1', held('recovering')), device('pc-2', held('active'))],
      tasks: [task('act-1', 'pc-1', { state: 'waiting-for-capacity' })],
    });
    const answer = await status.get(tenantId, 'ada@contoso.test');
    expect(answer.devices.map((d) => d.status)).toEqual(['recovering', 'on-temporary-device']);
    expect(answer.status).toBe('on-temporary-device');
  });

  it('ranks the user: on a temporary device, then recovering, then not recovered, then normal', async () => {
    const { status } = service({
      devices: [device('pc-1', held('recovering')), device('pc-2'), device('pc-3', held('releasing'))],
      outage: ['westeurope'],
      activations: [activation('act-1')],
      tasks: [
        task('act-1', 'pc-1', { state: 'queued' }),
        task('act-1', 'pc-2', { state: 'skipped', skipReason: 'unlicensed' }),
      ],
    });
    const answer = await status.get(tenantId, 'ada@contoso.test');
    expect(answer.devices.map((d) => [d.deviceId, d.status])).toEqual([
      ['pc-1', 'recovering'],
      ['pc-2', 'not-recovered'],
      ['pc-3', 'normal'],
    ]);
    expect(answer.status).toBe('recovering');
  });

  it('in an outage without a task: recovering while planning, not targeted after, normal once no activation holds the region', async () => {
    const world = (activations: Activation[]) =>
      service({ devices: [device('pc-late')], outage: ['westeurope'], activations });
    const planning = await world([activation('act-1', { state: 'planning' })]).status.get(tenantId, 'x');
    expect(planning.devices[0]).toMatchObject({ status: 'recovering', activationId: 'act-1' });
    const planned = await world([activation('act-1')]).status.get(tenantId, 'x');
    expect(planned.devices[0]).toMatchObject({ status: 'not-recovered', reason: 'not-targeted' });
    // An activation of listed devices elsewhere does not hold this device's region.
    const elsewhere = activation('act-2', { scope: { kind: 'devices', deviceIds: ['pc-9'] } });
    expect((await world([elsewhere]).status.get(tenantId, 'x')).status).toBe('normal');
  });

  it('looks past an activation that released the device to the one that skipped it', async () => {
    const { status } = service({
      devices: [device('pc-1')],
      outage: ['westeurope'],
      activations: [activation('act-2'), activation('act-1')],
      tasks: [
        task('act-2', 'pc-1', { state: 'released' }),
        task('act-1', 'pc-1', { state: 'skipped', skipReason: 'disk-not-in-scopes' }),
      ],
    });
    expect((await status.get(tenantId, 'x')).devices[0]).toMatchObject({
      reason: 'skipped: disk-not-in-scopes',
      activationId: 'act-1',
    });
  });
});
