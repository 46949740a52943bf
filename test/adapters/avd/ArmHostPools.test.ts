import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmHostPools, HostPoolsError } from '../../../src/adapters/avd/ArmHostPools';
import { AvdClients } from '../../../src/adapters/avd/createAvdClients';
import type { Clock } from '../../../src/ports/Clock';
import {
  DESKTOP_VIRTUALIZATION_USER,
  startArmDouble,
  type ArmDouble,
} from '../../support/arm/startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000f1';
const RG = 'rg-dr';
const REGION = 'westeurope';
const HOUR = 3_600_000;
const poolId = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/hostPools/${name}`;
const vmId = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
const GROUP = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/applicationGroups/dr-desktop`;

describe('ArmHostPools against the ARM double', () => {
  let double: ArmDouble;
  let hostPools: ArmHostPools;
  let clock: Clock;
  const seen: string[] = [];
  /** Stands for the ARM pacer: every attempt of every AVD and Authorization call must pass it. */
  const pacer: PipelinePolicy = {
    name: 'testPacer',
    sendRequest: async (request, next) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return await next(request);
    },
  };

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 1, throttling: 'count' });
    clock = { now: () => new Date(double.clock()) };
    const clients = new AvdClients({
      credential: double.credential,
      ...double.clientOptions(),
      additionalPolicies: [pacer],
      maxRetries: 0,
    });
    hostPools = new ArmHostPools(clients, { clock });
    double.avd.seedHostPool({ id: poolId('hp-300'), location: REGION });
    for (let i = 0; i < 300; i += 1)
      double.avd.seedSessionHost({
        hostPoolId: poolId('hp-300'),
        name: `pc-${i}.contoso.local`,
        vmId: vmId(`vm-${i}`),
      });
  });
  afterAll(async () => await double.close());

  it('reads a pool, and a missing one is undefined', async () => {
    expect(await hostPools.getHostPool(poolId('hp-300'))).toEqual({
      id: poolId('hp-300'),
      location: REGION,
      hostPoolType: 'Personal',
      personalDesktopAssignmentType: 'Direct',
    });
    expect(await hostPools.getHostPool(poolId('missing'))).toBeUndefined();
    expect(await hostPools.findSessionHostByVm(poolId('missing'), vmId('vm-1'))).toBeUndefined();
    expect(seen.some((s) => s.startsWith('GET') && s.endsWith('/hostPools/hp-300'))).toBe(true);
  });

  it('answers 50 concurrent lookups from one listing of the pool, then lists again after the TTL', async () => {
    const before = double.avd.stats().sessionHostListRequests;
    const found = await Promise.all(
      Array.from(
        { length: 50 },
        async (_, i) => await hostPools.findSessionHostByVm(poolId('hp-300'), vmId(`vm-${i * 6}`)),
      ),
    );
    expect(found.map((h) => h?.name)).toEqual(
      Array.from({ length: 50 }, (_, i) => `pc-${i * 6}.contoso.local`),
    );
    expect(found[0]).toMatchObject({ hostPoolId: poolId('hp-300'), vmId: vmId('vm-0'), status: 'Available' });
    expect(double.avd.stats().sessionHostListRequests - before).toBe(1);

    expect(await hostPools.findSessionHostByVm(poolId('hp-300'), vmId('not-registered'))).toBeUndefined();
    expect(double.avd.stats().sessionHostListRequests - before).toBe(1);

    double.advance(11_000);
    await Promise.all(
      [1, 2, 3].map(async (i) => await hostPools.findSessionHostByVm(poolId('hp-300'), vmId(`vm-${i}`))),
    );
    expect(double.avd.stats().sessionHostListRequests - before).toBe(2);
  });

  it('finds a host registered after the held listing only when asked for a fresh one (as a deletion asks)', async () => {
    double.avd.seedHostPool({ id: poolId('hp-late'), location: REGION });
    expect(await hostPools.findSessionHostByVm(poolId('hp-late'), vmId('vm-late'))).toBeUndefined();
    double.avd.seedSessionHost({
      hostPoolId: poolId('hp-late'),
      name: 'late.contoso.local',
      vmId: vmId('vm-late'),
    });
    double.advance(1);
    // Within the TTL the held listing answers, and misses the newcomer.
    expect(await hostPools.findSessionHostByVm(poolId('hp-late'), vmId('vm-late'))).toBeUndefined();
    expect(
      (await hostPools.findSessionHostByVm(poolId('hp-late'), vmId('vm-late'), { fresh: true }))?.name,
    ).toBe('late.contoso.local');
  });

  it('lists every session host of the pool across its pages', async () => {
    const names = [];
    for await (const host of hostPools.listSessionHosts(poolId('hp-300'))) names.push(host.name);
    expect(names).toHaveLength(300);
    expect(names[299]).toBe('pc-299.contoso.local');
  });

  it('renews a missing token once for concurrent callers, keeps it, and renews it near expiry', async () => {
    double.avd.seedHostPool({ id: poolId('hp-token'), location: REGION });
    const before = double.avd.stats();
    const tokens = await Promise.all(
      Array.from({ length: 20 }, async () => await hostPools.registrationToken(poolId('hp-token'))),
    );
    expect(new Set(tokens).size).toBe(1);
    let after = double.avd.stats();
    expect(after.registrationTokensIssued - before.registrationTokensIssued).toBe(1);

    const first = tokens[0] as string;
    expect(await hostPools.registrationToken(poolId('hp-token'))).toBe(first);
    expect(double.avd.stats().registrationTokenRetrievals).toBe(after.registrationTokenRetrievals); // served from memory

    double.advance(23 * HOUR); // 1 h left: under the 2 h margin
    const renewed = await hostPools.registrationToken(poolId('hp-token'));
    expect(renewed).not.toBe(first);
    after = double.avd.stats();
    expect(after.registrationTokensIssued - before.registrationTokensIssued).toBe(2);
  });

  it('reads the token again when asked to refresh, taking the one another process renewed', async () => {
    double.avd.seedHostPool({ id: poolId('hp-shared'), location: REGION });
    const mine = await hostPools.registrationToken(poolId('hp-shared'));
    const theirs = double.avd.seedRegistrationToken(poolId('hp-shared')); // another region renewed it
    expect(await hostPools.registrationToken(poolId('hp-shared'))).toBe(mine);
    const issued = double.avd.stats().registrationTokensIssued;
    expect(await hostPools.registrationToken(poolId('hp-shared'), { refresh: true })).toBe(theirs);
    expect(await hostPools.registrationToken(poolId('hp-shared'))).toBe(theirs);
    expect(double.avd.stats().registrationTokensIssued).toBe(issued);
  });

  it("takes a pool's valid token without renewing it", async () => {
    double.avd.seedHostPool({ id: poolId('hp-valid'), location: REGION });
    const existing = double.avd.seedRegistrationToken(poolId('hp-valid'), { validForMs: 10 * HOUR });
    const issued = double.avd.stats().registrationTokensIssued;
    expect(await hostPools.registrationToken(poolId('hp-valid'))).toBe(existing);
    expect(double.avd.stats().registrationTokensIssued).toBe(issued);
  });

  it("assigns a user (reflected in the held listing), refuses a second desktop for them with ARM's code, and removes hosts", async () => {
    const pool = poolId('hp-300');
    await hostPools.findSessionHostByVm(pool, vmId('vm-7'));
    const listings = double.avd.stats().sessionHostListRequests;
    await hostPools.assignUser(pool, 'pc-7.contoso.local', 'alice@contoso.com');
    await hostPools.assignUser(pool, 'pc-7.contoso.local', 'alice@contoso.com'); // idempotent
    expect((await hostPools.findSessionHostByVm(pool, vmId('vm-7')))?.assignedUser).toBe('alice@contoso.com');
    expect(double.avd.stats().sessionHostListRequests).toBe(listings);

    const refused = await hostPools
      .assignUser(pool, 'pc-8.contoso.local', 'alice@contoso.com')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HostPoolsError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect((refused as Error).message).toContain('already assigned');

    await hostPools.removeSessionHost(pool, 'pc-7.contoso.local');
    await hostPools.removeSessionHost(pool, 'pc-7.contoso.local'); // missing: success
    expect(await hostPools.findSessionHostByVm(pool, vmId('vm-7'))).toBeUndefined();
    expect(double.avd.sessionHosts(pool).some((h) => h.name === 'pc-7.contoso.local')).toBe(false);
  });

  it('tells whether the group holds Desktop Virtualization User on the application group or above it', async () => {
    const assigned = '11111111-0000-0000-0000-000000000001';
    const aboveOnly = '11111111-0000-0000-0000-000000000002';
    const otherRole = '11111111-0000-0000-0000-000000000003';
    const elsewhere = '11111111-0000-0000-0000-000000000004';
    double.avd.seedApplicationGroup({ id: GROUP, location: REGION, hostPoolId: poolId('hp-300') });
    double.avd.seedRoleAssignment({
      scope: GROUP,
      principalId: assigned,
      roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
    });
    double.avd.seedRoleAssignment({
      scope: `/subscriptions/${SUB}/resourceGroups/${RG}`,
      principalId: aboveOnly,
      roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
    });
    double.avd.seedRoleAssignment({
      scope: GROUP,
      principalId: otherRole,
      roleDefinitionId: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    });
    double.avd.seedRoleAssignment({
      scope: `${GROUP}-other`,
      principalId: elsewhere,
      roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
    });
    expect(await hostPools.isGroupAssigned(GROUP, assigned)).toBe(true);
    expect(await hostPools.isGroupAssigned(GROUP, aboveOnly)).toBe(true);
    expect(await hostPools.isGroupAssigned(GROUP, otherRole)).toBe(false);
    expect(await hostPools.isGroupAssigned(GROUP, elsewhere)).toBe(false);
    expect(seen.some((s) => s.endsWith('/providers/Microsoft.Authorization/roleAssignments'))).toBe(true);
  });

  it("keeps ARM's code and message when a call fails", async () => {
    const remove = double.inject({
      match: { pathIncludes: 'hostPools/hp-300' },
      status: 409,
      code: 'Conflict',
      message: 'Busy.',
      times: 1,
    });
    const failure = await hostPools.getHostPool(poolId('hp-300')).catch((e: unknown) => e);
    remove();
    expect(failure).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect((failure as Error).message).toContain('Busy.');
  });
});
