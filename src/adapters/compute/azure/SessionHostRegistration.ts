/**
 * A provisioned VM's way into the DR host pool, one step per check: a session host registers from
 * inside the guest (its AVD agent, with a registration token), so the provider runs the
 * registration script as a managed Run Command once the guest agent is ready, waits until the
 * pool lists a session host for the VM, then assigns the device's user to it
 * (`sessionHosts.update` with `assignedUser`: learn.microsoft.com/azure/virtual-desktop/
 * configure-host-pool-personal-desktop-assignment-type, "Directly assign users to session hosts").
 *
 * Cost and permission (the issue asks): one Run Command PUT per device (Compute's "Update VM"
 * policy: 500 per minute per subscription and region, 4 per minute per VM — learn.microsoft.com/
 * azure/virtual-machines/compute-throttling-limits), one GET of it per check until the pool lists
 * the host, and the pool's session-host listing (shared, `HostPools`). It needs
 * `Microsoft.Compute/virtualMachines/runCommands/{read,write,delete}` on the backup resource group
 * and, on the DR pool, `Microsoft.DesktopVirtualization/hostPools/retrieveRegistrationToken/action`
 * and `…/sessionHosts/{read,write,delete}`. Run Command over user data: user data runs only at
 * first boot of an image-built VM and an attached specialized disk never runs it; and a Run
 * Command reports its exit code and error, which the device's failure then names.
 */
import type { VirtualMachine, VirtualMachineRunCommand } from '@azure/arm-compute';
import type { TemporaryDeviceConnection } from '../../../ports/ComputeProvider';
import type { HostPools } from '../../../ports/HostPools';
import { armStatusOf, isArmNotFound } from '../../arm/armErrors';
import type { ComputeClients } from '../../arm/createComputeClient';
import { describeFailure, classifyArmError } from './computeErrors';
import { registrationRunCommandBody } from './deviceBodies';
import { registrationRunCommandName } from './temporaryDeviceResources';

export type RegistrationStep =
  | { state: 'registered'; sessionHost: string }
  | { state: 'waiting'; waitingFor: string }
  | { state: 'failed'; reason: string };

export interface RegistrationTarget {
  hostPoolId: string;
  vm: VirtualMachine;
  subscriptionId: string;
  resourceGroup: string;
  region: string;
  user: string;
  /** Whether the guest agent reports ready (read only when the run command is still to be sent). */
  agentReady(): Promise<boolean>;
}

const ended = new Set(['failed', 'timedout', 'canceled']);

export class SessionHostRegistration {
  constructor(
    private readonly compute: ComputeClients,
    private readonly hostPools: HostPools,
  ) {}

  async advance(target: RegistrationTarget): Promise<RegistrationStep> {
    const { hostPoolId, vm, user } = target;
    const host = await this.hostPools.findSessionHostByVm(hostPoolId, vm.id!);
    if (host) {
      if (host.assignedUser?.toLowerCase() !== user.toLowerCase()) {
        try {
          await this.hostPools.assignUser(hostPoolId, host.name, user);
        } catch (err) {
          const status = armStatusOf(err);
          if (status === 400 || status === 409)
            return {
              state: 'failed',
              reason: `Assigning ${user} to session host ${host.name} of ${hostPoolId} was refused: ${describeFailure(classifyArmError(err))}`,
            };
          throw err;
        }
      }
      return { state: 'registered', sessionHost: host.name };
    }
    const command = await this.runCommand(target);
    if (!command) {
      if (!(await target.agentReady()))
        return { state: 'waiting', waitingFor: 'its guest agent is not ready' };
      const token = await this.hostPools.registrationToken(hostPoolId);
      await this.client(target)
        .virtualMachineRunCommands.createOrUpdate(
          target.resourceGroup,
          vm.name!,
          registrationRunCommandName,
          registrationRunCommandBody(target.region, token),
        )
        .submitted();
      return { state: 'waiting', waitingFor: `the registration with ${hostPoolId} (run command sent)` };
    }
    const view = command.instanceView;
    const state = (view?.executionState ?? '').toLowerCase();
    if (ended.has(state) || command.provisioningState?.toLowerCase() === 'failed') {
      // Removed, so that ensuring again runs it again, with a token valid then.
      await this.deleteRunCommand(target);
      const detail = [view?.error, view?.executionMessage].filter((d) => d).join('; ');
      return {
        state: 'failed',
        reason: `Registering VM ${vm.name} with host pool ${hostPoolId} failed: run command ${registrationRunCommandName} ${view?.executionState ?? command.provisioningState ?? 'failed'}${view?.exitCode !== undefined ? `, exit code ${view.exitCode}` : ''}${detail ? `: ${detail}` : ''}`,
      };
    }
    return {
      state: 'waiting',
      waitingFor: `the session host to appear in ${hostPoolId} (run command ${view?.executionState ?? 'accepted'})`,
    };
  }

  /**
   * Removes the VM's session host record from the pool, if a listing started now shows one: a walk
   * of the pool that holds while every other device of a deactivation removes its own host
   * (`ArmHostPools`); a record still missed is the sweeper's (`OrphanSessionHosts`).
   */
  async remove(hostPoolId: string, vmId: string): Promise<void> {
    const host = await this.hostPools.findSessionHostByVm(hostPoolId, vmId, { fresh: true });
    if (host) await this.hostPools.removeSessionHost(hostPoolId, host.name);
  }

  /** Removes the session host a ready device reported, by its name: no look at the pool. */
  async removeByName(connection: TemporaryDeviceConnection): Promise<void> {
    await this.hostPools.removeSessionHost(connection.hostPoolId, connection.sessionHost);
  }

  private async runCommand(target: RegistrationTarget): Promise<VirtualMachineRunCommand | undefined> {
    try {
      return await this.client(target).virtualMachineRunCommands.getByVirtualMachine(
        target.resourceGroup,
        target.vm.name!,
        registrationRunCommandName,
        { expand: 'instanceView' },
      );
    } catch (err) {
      if (isArmNotFound(err)) return undefined;
      throw err;
    }
  }

  private async deleteRunCommand(target: RegistrationTarget): Promise<void> {
    try {
      await this.client(target)
        .virtualMachineRunCommands.delete(target.resourceGroup, target.vm.name!, registrationRunCommandName)
        .submitted();
    } catch (err) {
      if (!isArmNotFound(err)) throw err;
    }
  }

  private client(target: RegistrationTarget) {
    return this.compute.for(target.subscriptionId);
  }
}
