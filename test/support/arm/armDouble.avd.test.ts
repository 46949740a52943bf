import type { ComputeManagementClient, VirtualMachineRunCommand } from '@azure/arm-compute';
import type { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { DesktopVirtualizationAPIClient } from '@azure/arm-desktopvirtualization';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuthorizationClient,
  createDesktopVirtualizationClient,
} from '../../../src/adapters/avd/createAvdClients';
import { networkClient } from './armNetworkClient';
import { computeClient } from './armTestClient';
import { DESKTOP_VIRTUALIZATION_USER, startArmDouble, type ArmDouble } from './startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000e1';
const RG = 'rg-dr';
const REGION = 'westeurope';
const FAST = { updateIntervalInMs: 10 };
const SECOND = 1000;
const HOUR = 3_600_000;
const POOL = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/hostPools/hp-dr`;
const GROUP = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/applicationGroups/hp-dr-desktop`;
const SCRIPT =
  "param([string]$RegistrationToken)\nSet-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\RDInfraAgent' RegistrationToken $RegistrationToken";

const refusal = async (promise: PromiseLike<unknown>) =>
  await Promise.resolve(promise).then(
    () => undefined,
    (e: unknown) => e as { statusCode?: number; code?: string; message: string },
  );

describe('ARM double: Azure Virtual Desktop, run-command registration and role assignments through the real SDK clients', () => {
  let double: ArmDouble;
  let avd: DesktopVirtualizationAPIClient;
  let authz: AuthorizationManagementClient;
  let compute: ComputeManagementClient;
  let vmSeq = 0;

  /** A running VM (seeded: provisioned, agent ready) in the DR group, with its computer name. */
  const seedVm = async (computerName?: string) => {
    vmSeq += 1;
    const name = `vm-${vmSeq}`;
    await double.seedDisk({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: `${name}-os`,
      location: REGION,
      sizeGB: 128,
      osType: 'Windows',
      hyperVGeneration: 'V2',
      vm: { name, size: 'Standard_D2s_v5', ...(computerName ? { computerName } : {}) },
    });
    return {
      name,
      id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`,
    };
  };
  const registration = (
    token: string,
    extra: Partial<VirtualMachineRunCommand> = {},
  ): VirtualMachineRunCommand => ({
    location: REGION,
    source: { script: SCRIPT },
    protectedParameters: [{ name: 'RegistrationToken', value: token }],
    timeoutInSeconds: 600,
    ...extra,
  });
  /** PUTs a run command, lets its script run (simulated time) and returns it with its instance view. */
  const runToEnd = async (vmName: string, name: string, body: VirtualMachineRunCommand) => {
    const poller = compute.virtualMachineRunCommands.createOrUpdate(RG, vmName, name, body, FAST);
    await poller.submitted();
    double.advance(21 * SECOND);
    await poller;
    return await compute.virtualMachineRunCommands.getByVirtualMachine(RG, vmName, name, {
      expand: 'instanceView',
    });
  };
  /** Lets a long-running operation's simulated time pass once its request is in, and waits for it. */
  const done = async <T>(
    poller: PromiseLike<T> & { submitted(): Promise<void> },
    simulatedMs = 10 * SECOND,
  ) => {
    await poller.submitted();
    double.advance(simulatedMs);
    return await poller;
  };
  const hostsOfVm = (vmId: string) => double.avd.sessionHosts(POOL).filter((h) => h.resourceId === vmId);

  beforeAll(async () => {
    // Simulated time moves only when a test advances it (scale 1); ARM's buckets only count here.
    double = await startArmDouble({ timeScale: 1, throttling: 'count' });
    const options = { credential: double.credential, ...double.clientOptions(), maxRetries: 0 };
    avd = createDesktopVirtualizationClient(SUB, options);
    authz = createAuthorizationClient(SUB, options);
    compute = computeClient(double, SUB, { retryOptions: { maxRetries: 0 } });
    double.avd.seedHostPool({
      id: POOL,
      location: REGION,
      hostPoolType: 'Personal',
      personalDesktopAssignmentType: 'Direct',
    });
    double.avd.seedApplicationGroup({ id: GROUP, location: REGION, hostPoolId: POOL });
  });
  afterAll(async () => await double.close());

  describe('registration tokens', () => {
    it('has none until an update makes one; the token is read with POST, never with GET', async () => {
      const pool = await avd.hostPools.get(RG, 'hp-dr');
      expect(pool).toMatchObject({
        id: POOL,
        hostPoolType: 'Personal',
        personalDesktopAssignmentType: 'Direct',
      });
      expect(pool.applicationGroupReferences).toEqual([GROUP]);
      expect((await avd.hostPools.retrieveRegistrationToken(RG, 'hp-dr')).token).toBeUndefined();

      const expirationTime = new Date(double.clock() + 2 * HOUR);
      const updated = await avd.hostPools.update(RG, 'hp-dr', {
        hostPool: { registrationInfo: { expirationTime, registrationTokenOperation: 'Update' } },
      });
      expect(updated.registrationInfo?.token).toBeUndefined();
      expect((await avd.hostPools.get(RG, 'hp-dr')).registrationInfo?.token).toBeUndefined();
      const info = await avd.hostPools.retrieveRegistrationToken(RG, 'hp-dr');
      expect(info.token).toMatch(/\S{20,}/);
      expect(info.expirationTime?.getTime()).toBe(expirationTime.getTime());
      expect(info.registrationTokenOperation).toBe('Update');
    });

    it('refuses an expiry under 1 hour or over 27 days ahead', async () => {
      for (const ms of [30 * 60_000, 28 * 24 * HOUR]) {
        const error = await refusal(
          avd.hostPools.update(RG, 'hp-dr', {
            hostPool: {
              registrationInfo: {
                expirationTime: new Date(double.clock() + ms),
                registrationTokenOperation: 'Update',
              },
            },
          }),
        );
        expect(error).toMatchObject({ statusCode: 400, code: 'BadRequest' });
      }
      expect(double.stats().refusals['avd.token.expiryRange']).toBe(2);
    });

    it('answers a 404 for a pool that does not exist', async () => {
      expect(await refusal(avd.hostPools.get(RG, 'nope'))).toMatchObject({
        statusCode: 404,
        code: 'ResourceNotFound',
      });
    });
  });

  describe('in-guest registration by managed Run Command', () => {
    it('registers the VM as a session host named by its computer name, some time after the script succeeds', async () => {
      const vm = await seedVm('PC-0042.contoso.local');
      const token = double.avd.seedRegistrationToken(POOL, { validForMs: 4 * HOUR });
      const before = double.avd.stats();

      const command = await runToEnd(vm.name, 'dr-register', registration(token));
      expect(command.provisioningState).toBe('Succeeded');
      expect(command.instanceView).toMatchObject({ executionState: 'Succeeded', exitCode: 0 });
      expect(command.protectedParameters).toBeUndefined();
      expect(hostsOfVm(vm.id)).toEqual([]);

      double.advance(61 * SECOND);
      const host = await avd.sessionHosts.get(RG, 'hp-dr', 'PC-0042.contoso.local');
      expect(host).toMatchObject({
        name: 'hp-dr/PC-0042.contoso.local',
        resourceId: vm.id,
        status: 'Available',
      });
      expect(host.assignedUser).toBeUndefined();
      const after = double.avd.stats();
      expect(after.runCommandsExecuted - before.runCommandsExecuted).toBe(1);
      expect(after.sessionHostsRegistered - before.sessionHostsRegistered).toBe(1);
    });

    it('fails the script with an expired token and registers nothing', async () => {
      const vm = await seedVm();
      const token = double.avd.seedRegistrationToken(POOL, { validForMs: HOUR });
      double.advance(HOUR + SECOND);
      const command = await runToEnd(vm.name, 'dr-register', registration(token));
      expect(command.provisioningState).toBe('Succeeded'); // treatFailureAsDeploymentFailure unset
      expect(command.instanceView?.executionState).toBe('Failed');
      expect(command.instanceView?.exitCode).toBe(1);
      expect(command.instanceView?.error).toContain('INVALID_REGISTRATION_TOKEN');
      double.advance(5 * 60 * SECOND);
      expect(hostsOfVm(vm.id)).toEqual([]);
    });

    it('fails with a token that a renewal replaced, and fails the deployment when asked to', async () => {
      const vm = await seedVm();
      const old = double.avd.seedRegistrationToken(POOL);
      double.avd.seedRegistrationToken(POOL); // a renewal elsewhere
      const poller = compute.virtualMachineRunCommands.createOrUpdate(
        RG,
        vm.name,
        'dr-register',
        registration(old, { treatFailureAsDeploymentFailure: true }),
        FAST,
      );
      await poller.submitted();
      double.advance(21 * SECOND);
      expect((await refusal(poller))?.message).toContain('VMExtensionProvisioningError');
      double.advance(5 * 60 * SECOND);
      expect(hostsOfVm(vm.id)).toEqual([]);
    });

    it('fails a script that does not take the RegistrationToken parameter', async () => {
      const vm = await seedVm();
      const token = double.avd.seedRegistrationToken(POOL);
      const command = await runToEnd(
        vm.name,
        'dr-register',
        registration(token, { source: { script: 'Write-Output hi' } }),
      );
      expect(command.instanceView?.executionState).toBe('Failed');
      double.advance(5 * 60 * SECOND);
      expect(hostsOfVm(vm.id)).toEqual([]);
    });

    it('ends the operation when the script starts with asyncExecution, and times out past timeoutInSeconds', async () => {
      const vm = await seedVm();
      const token = double.avd.seedRegistrationToken(POOL);
      const started = await compute.virtualMachineRunCommands.createOrUpdate(
        RG,
        vm.name,
        'async',
        registration(token, { asyncExecution: true }),
        FAST,
      );
      expect(started.provisioningState).toBe('Succeeded');
      const running = await compute.virtualMachineRunCommands.getByVirtualMachine(RG, vm.name, 'async', {
        expand: 'instanceView',
      });
      expect(running.instanceView?.executionState).toBe('Running');

      const timedOut = await runToEnd(vm.name, 'short', registration(token, { timeoutInSeconds: 5 }));
      expect(timedOut.instanceView?.executionState).toBe('TimedOut');
    });

    it('registers nothing when the run command is deleted while its script runs, and 404s on a missing VM', async () => {
      const vm = await seedVm();
      const token = double.avd.seedRegistrationToken(POOL);
      const poller = compute.virtualMachineRunCommands.createOrUpdate(
        RG,
        vm.name,
        'dr-register',
        registration(token),
        FAST,
      );
      await poller.submitted();
      double.advance(5 * SECOND);
      await compute.virtualMachineRunCommands.delete(RG, vm.name, 'dr-register', FAST);
      double.advance(5 * 60 * SECOND);
      expect(hostsOfVm(vm.id)).toEqual([]);
      expect(
        await refusal(
          compute.virtualMachineRunCommands.createOrUpdate(RG, 'no-such-vm', 'x', registration(token), FAST),
        ),
      ).toMatchObject({ statusCode: 404 });
    });

    it("names a recovered VM's host after the primary's computer name, and waits for its agent", async () => {
      const network = networkClient(double, SUB, { retryOptions: { maxRetries: 0 } });
      const subnet = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
      double.seedSubnet(subnet, REGION);
      const primaryDisk = await double.seedDisk({
        subscriptionId: SUB,
        resourceGroup: 'rg-primary',
        name: 'alice-pc-os',
        location: REGION,
        sizeGB: 64,
        osType: 'Windows',
        hyperVGeneration: 'V2',
        vm: { name: 'alice-pc', size: 'Standard_D2s_v5', computerName: 'ALICE-PC' },
      });
      const snap = await done(
        compute.snapshots.createOrUpdate(
          'rg-primary',
          'alice-snap',
          {
            location: REGION,
            incremental: true,
            creationData: { createOption: 'Copy', sourceResourceId: primaryDisk },
          },
          FAST,
        ),
      );
      const disk = await done(
        compute.disks.createOrUpdate(
          RG,
          'dr-alice-disk',
          {
            location: REGION,
            zones: ['1'],
            sku: { name: 'Premium_LRS' },
            creationData: { createOption: 'Copy', sourceResourceId: snap.id },
          },
          FAST,
        ),
      );
      const nic = await done(
        network.networkInterfaces.createOrUpdate(
          RG,
          'dr-alice-nic',
          { location: REGION, ipConfigurations: [{ name: 'ip', subnet: { id: subnet } }] },
          FAST,
        ),
      );
      const vmPoller = compute.virtualMachines.createOrUpdate(
        RG,
        'dr-alice',
        {
          location: REGION,
          zones: ['1'],
          hardwareProfile: { vmSize: 'Standard_D2s_v5' },
          storageProfile: {
            osDisk: { createOption: 'Attach', osType: 'Windows', managedDisk: { id: disk.id } },
          },
          networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
        },
        FAST,
      );
      await vmPoller.submitted();
      const token = double.avd.seedRegistrationToken(POOL);
      const runPoller = compute.virtualMachineRunCommands.createOrUpdate(
        RG,
        'dr-alice',
        'dr-register',
        registration(token),
        FAST,
      );
      await runPoller.submitted();
      double.advance(60 * SECOND); // the VM is still creating: the script has not started
      const pending = await compute.virtualMachineRunCommands.getByVirtualMachine(
        RG,
        'dr-alice',
        'dr-register',
        {
          expand: 'instanceView',
        },
      );
      expect(pending.instanceView?.executionState).toBe('Pending');
      const vm = await (async () => {
        double.advance(10 * 60 * SECOND); // provisioned, agent ready, script run, registered
        return await vmPoller;
      })();
      await runPoller;
      expect(hostsOfVm(vm.id as string).map((h) => h.name)).toEqual(['ALICE-PC']);
    });
  });

  describe('session hosts', () => {
    const PAGED = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/hostPools/hp-big`;

    it('lists a pool of 503 hosts page by page with nextLink', async () => {
      double.avd.seedHostPool({ id: PAGED, location: REGION });
      for (let i = 0; i < 503; i += 1)
        double.avd.seedSessionHost({
          hostPoolId: PAGED,
          name: `pc-${i}.contoso.local`,
          vmId: `${PAGED}/vm-${i}`,
        });
      const before = double.avd.stats();
      const names: string[] = [];
      let pages = 0;
      for await (const page of avd.sessionHosts.list(RG, 'hp-big').byPage()) {
        pages += 1;
        for (const host of page) names.push(host.name as string);
      }
      expect(names).toHaveLength(503);
      expect(new Set(names).size).toBe(503);
      expect(names[0]).toBe('hp-big/pc-0.contoso.local');
      expect(pages).toBe(6);
      const after = double.avd.stats();
      expect(after.sessionHostListRequests - before.sessionHostListRequests).toBe(1);
      expect(after.sessionHostListPages - before.sessionHostListPages).toBe(6);
    });

    it('assigns a user, keeps one desktop per user, and needs force (and no sessions) to reassign or unassign', async () => {
      const pool = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/hostPools/hp-assign`;
      double.avd.seedHostPool({ id: pool, location: REGION });
      for (const name of ['a', 'b']) double.avd.seedSessionHost({ hostPoolId: pool, name });
      double.avd.seedSessionHost({
        hostPoolId: pool,
        name: 'busy',
        assignedUser: 'carol@contoso.com',
        sessions: 1,
      });
      const update = (host: string, user: string, force?: boolean) =>
        avd.sessionHosts.update(RG, 'hp-assign', host, {
          sessionHost: { assignedUser: user },
          ...(force ? { force } : {}),
        });

      expect((await update('a', 'alice@contoso.com')).assignedUser).toBe('alice@contoso.com');
      expect((await update('a', 'ALICE@contoso.com')).assignedUser).toBe('alice@contoso.com'); // same user: no change
      expect(await refusal(update('b', 'alice@contoso.com'))).toMatchObject({
        statusCode: 400,
        code: 'BadRequest',
      });
      expect(await refusal(update('a', 'bob@contoso.com'))).toMatchObject({ statusCode: 400 });
      expect((await update('a', 'bob@contoso.com', true)).assignedUser).toBe('bob@contoso.com');
      expect(await refusal(update('a', ''))).toMatchObject({ statusCode: 400 });
      expect((await update('a', '', true)).assignedUser).toBeUndefined();
      expect(await refusal(update('busy', 'dave@contoso.com', true))).toMatchObject({ statusCode: 400 });

      const refusals = double.stats().refusals;
      expect(refusals['avd.assign.oneDesktopPerUser']).toBe(1);
      expect(refusals['avd.assign.reassignNeedsForce']).toBe(1);
      expect(refusals['avd.assign.unassignNeedsForce']).toBe(1);
      expect(refusals['avd.assign.noSessions']).toBe(1);

      await avd.sessionHosts.delete(RG, 'hp-assign', 'b');
      await avd.sessionHosts.delete(RG, 'hp-assign', 'b'); // missing: 204, success
      expect(await refusal(avd.sessionHosts.get(RG, 'hp-assign', 'b'))).toMatchObject({ statusCode: 404 });
    });
  });

  describe('application groups and role assignments', () => {
    const GROUP_PRINCIPAL = '11111111-2222-3333-4444-555555555555';
    const OTHER = '99999999-2222-3333-4444-555555555555';

    it('serves the seeded desktop application group', async () => {
      const group = await avd.applicationGroups.get(RG, 'hp-dr-desktop');
      expect(group).toMatchObject({ id: GROUP, applicationGroupType: 'Desktop', hostPoolArmPath: POOL });
    });

    it("lists a principal's assignments at, above and below a scope, and atScope() at or above", async () => {
      const rgScope = `/subscriptions/${SUB}/resourceGroups/${RG}`;
      double.avd.seedRoleAssignment({
        scope: GROUP,
        principalId: GROUP_PRINCIPAL,
        roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
      });
      double.avd.seedRoleAssignment({
        scope: rgScope,
        principalId: GROUP_PRINCIPAL,
        roleDefinitionId: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
      });
      double.avd.seedRoleAssignment({
        scope: GROUP,
        principalId: OTHER,
        roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
      });
      double.avd.seedRoleAssignment({
        scope: `/subscriptions/${SUB}/resourceGroups/rg-other`,
        principalId: GROUP_PRINCIPAL,
        roleDefinitionId: DESKTOP_VIRTUALIZATION_USER,
      });

      const list = async (scope: string, filter?: string) => {
        const found = [];
        for await (const a of authz.roleAssignments.listForScope(scope.slice(1), filter ? { filter } : {}))
          found.push(a);
        return found;
      };
      const mine = await list(GROUP, `principalId eq '${GROUP_PRINCIPAL}'`);
      expect(mine.map((a) => a.scope).sort()).toEqual([rgScope, GROUP].sort());
      expect(mine.find((a) => a.scope === GROUP)?.roleDefinitionId).toBe(
        `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${DESKTOP_VIRTUALIZATION_USER}`,
      );
      expect((await list(rgScope, `principalId eq '${GROUP_PRINCIPAL}'`)).map((a) => a.scope).sort()).toEqual(
        [rgScope, GROUP].sort(),
      ); // below the scope too
      expect((await list(rgScope, 'atScope()')).map((a) => a.scope)).toEqual([rgScope]);
      expect(await refusal(list(GROUP, `assignedTo('${GROUP_PRINCIPAL}')`))).toMatchObject({
        statusCode: 400,
      });
    });
  });
});
