/**
 * A device whose VM exists: follow its provisioning (a failed one goes to the capacity round),
 * then its guest — ready when its agent reports ready, not when the PUT succeeds — and, with a DR
 * host pool, its registration and the user's assignment. A device not ready by the deadline
 * (counted from the VM's creation) fails and its VM goes, so that ensuring again starts over.
 */
import type { VirtualMachine, VirtualMachineInstanceView } from '@azure/arm-compute';
import type { Clock } from '../../../ports/Clock';
import type { TemporaryDeviceState } from '../../../ports/ComputeProvider';
import { isArmNotFound } from '../../arm/armErrors';
import type { ComputeClients } from '../../arm/createComputeClient';
import type { CapacityRound } from './CapacityRound';
import { classifyCreationFailure } from './computeErrors';
import { provisioningIn, type DeviceTarget } from './deviceTarget';
import type { ResourceDeletions } from './ResourceDeletions';
import type { SessionHostRegistration } from './SessionHostRegistration';
import { agentReady, vmProgress } from './vmState';

export class StepsWithVm {
  constructor(
    private readonly compute: ComputeClients,
    private readonly registration: SessionHostRegistration,
    private readonly round: CapacityRound,
    private readonly deletions: ResourceDeletions,
    private readonly clock: Clock,
    private readonly deadlineInMs: number,
  ) {}

  /** The VM exists: follow its provisioning, its capacity failures, then its guest and registration. */
  async advance(target: DeviceTarget, vm: VirtualMachine): Promise<TemporaryDeviceState> {
    let instanceView = vm.instanceView;
    let progress = vmProgress(vm, instanceView);
    // A failure's code (which decides the next size or zone) is in the instance view only.
    if (progress.phase === 'failed' && !progress.code && !instanceView) {
      instanceView = await this.instanceView(target, vm);
      progress = vmProgress(vm, instanceView);
    }
    switch (progress.phase) {
      case 'deleting':
        return provisioningIn(target);
      case 'creating':
        return await this.unlessLate(target, vm, 'still creating');
      case 'failed':
        return await this.round.afterFailure(
          target,
          vm,
          classifyCreationFailure(progress.code, progress.message),
        );
      case 'provisioned':
        break;
    }
    const { hostPoolId } = target.settings;
    if (hostPoolId) {
      const step = await this.registration.advance({
        hostPoolId,
        vm,
        resourceGroup: target.resourceGroup,
        subscriptionId: target.subscriptionId,
        region: target.region,
        user: target.request.user!,
        agentReady: async () => agentReady(instanceView ?? (await this.instanceView(target, vm))),
      });
      if (step.state === 'registered')
        return {
          state: 'ready',
          createdAt: (vm.timeCreated ?? this.clock.now()).toISOString(),
          scope: target.scope,
          connection: { hostPoolId, sessionHost: step.sessionHost },
        };
      if (step.state === 'failed') return { state: 'failed', reason: step.reason };
      return await this.unlessLate(target, vm, step.waitingFor);
    }
    instanceView ??= await this.instanceView(target, vm);
    if (agentReady(instanceView))
      return {
        state: 'ready',
        createdAt: (vm.timeCreated ?? this.clock.now()).toISOString(),
        scope: target.scope,
      };
    return await this.unlessLate(target, vm, 'its guest agent is not ready');
  }

  /** Past the deadline (from the VM's creation) the device fails and its VM goes, so ensuring again starts over. */
  private async unlessLate(
    target: DeviceTarget,
    vm: VirtualMachine,
    waitingFor: string,
  ): Promise<TemporaryDeviceState> {
    const created = vm.timeCreated?.getTime();
    if (created === undefined || this.clock.now().getTime() - created < this.deadlineInMs)
      return provisioningIn(target);
    await this.deletions.start(target.subscriptionId, target.resourceGroup, 'vms', vm.name!);
    const minutes = Math.round(this.deadlineInMs / 60_000);
    return {
      state: 'failed',
      reason: `VM ${target.name} was not ready ${minutes} minutes after it was created (${vm.timeCreated!.toISOString()}): ${waitingFor} (provisioning state ${vm.provisioningState ?? 'unknown'})`,
    };
  }

  /** One VM's instance view: only when the listing did not carry it (a GET metered per VM). */
  private async instanceView(
    target: DeviceTarget,
    vm: VirtualMachine,
  ): Promise<VirtualMachineInstanceView | undefined> {
    try {
      return await this.compute
        .for(target.subscriptionId)
        .virtualMachines.instanceView(target.resourceGroup, vm.name!);
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      throw err;
    }
  }
}
