/**
 * Managed Run Commands on a VM (`…/virtualMachines/{vm}/runCommands/{name}`): PUT (a long-running
 * operation), GET (with `$expand=instanceView`), list, DELETE. A run command carrying a
 * `RegistrationToken` protected parameter is an AVD registration: when it succeeds, `settle` makes
 * the VM's session host appear in the token's pool (AVD_DOUBLE.md).
 */
import { ArmError, refuse } from './armError';
import type { AvdStore, RunCommandRecord } from './avdStore';
import { runCommandJson } from './avdRepresentations';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';
import { idKey } from './resourceIds';
import { runCommandView, type RunCommandView, type RunTiming } from './runCommandTimeline';
import { registerSessionHost } from './sessionHostRegistration';
import { liveVm, vmFacts } from './vmFacts';

export interface VmRef {
  subscriptionId: string;
  resourceGroup: string;
  vmName: string;
}

interface InputParameter {
  name: string;
  value: string;
}

function vmIdOf(ref: VmRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${ref.vmName}`;
}

function parameters(raw: unknown): InputParameter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw refuse('arm.badRequest', 'parameters must be an array of { name, value }.');
  return raw.map((p: unknown) => {
    const { name, value } = (p ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || typeof value !== 'string')
      throw refuse('arm.badRequest', 'Each run command parameter needs a string name and value.');
    return { name, value };
  });
}

export class RunCommandsHandler {
  constructor(
    private readonly ctx: ArmContext,
    private readonly avd: AvdStore,
    private readonly timing: RunTiming,
  ) {}

  put(ref: VmRef, name: string, body: Record<string, unknown>, apiVersion: string): HandlerResult {
    const vm = this.vm(ref);
    const location = body.location;
    if (typeof location !== 'string' || !location)
      throw refuse('arm.badRequest', "The run command's location is required.");
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const source = (props.source ?? {}) as { script?: unknown };
    const protectedParameters = parameters(props.protectedParameters);
    const timeout = props.timeoutInSeconds;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0))
      throw refuse('arm.badRequest', 'timeoutInSeconds must be a positive number.');
    const id = `${vm.id}/runCommands/${name}`;
    const now = this.ctx.clock.now();
    const previous = this.avd.runCommands.get(idKey(id));
    if (previous) previous.deletedAt ??= now; // a new PUT replaces it (rule runCommand.put)
    const command: RunCommandRecord = {
      id,
      vmId: vm.id,
      name,
      location,
      script: typeof source.script === 'string' ? source.script : undefined,
      registrationToken: protectedParameters.find((p) => p.name === 'RegistrationToken')?.value,
      parameters: parameters(props.parameters),
      asyncExecution: props.asyncExecution === true,
      timeoutInSeconds: typeof timeout === 'number' ? timeout : undefined,
      treatFailureAsDeploymentFailure: props.treatFailureAsDeploymentFailure === true,
      putAt: now,
      deletedAt: undefined,
      counted: false,
    };
    this.avd.runCommands.set(idKey(id), command);
    this.avd.pending.add(command);
    this.avd.nextCheckAt = -Infinity;
    const operation = this.ctx.operations.start({
      subscriptionId: ref.subscriptionId,
      location: vm.location,
      startedAt: now,
      doneAt: Infinity,
      output: () => runCommandJson(command, this.view(command, this.ctx.clock.now()), false),
    });
    // The operation ends when the script does (or starts, with asyncExecution), which depends on
    // the VM's agent: OperationBook reads these two fields, so they are worked out when read.
    Object.defineProperty(operation, 'doneAt', {
      get: () => this.view(command, this.ctx.clock.now()).lroDoneAt ?? Infinity,
    });
    Object.defineProperty(operation, 'failure', {
      get: () => {
        const failure = this.view(command, this.ctx.clock.now()).lroFailure;
        return failure ? new ArmError(400, failure.code, failure.message) : undefined;
      },
    });
    const accepted = this.ctx.operations.accepted(
      operation,
      apiVersion,
      runCommandJson(command, this.view(command, now), false),
    );
    return { ...accepted, status: 201 };
  }

  get(ref: VmRef, name: string, expand: string | null): HandlerResult {
    const command = this.command(ref, name);
    const withView = expand?.toLowerCase() === 'instanceview';
    return { status: 200, body: runCommandJson(command, this.view(command, this.ctx.clock.now()), withView) };
  }

  list(ref: VmRef, expand: string | null): HandlerResult {
    const vm = this.vm(ref);
    const now = this.ctx.clock.now();
    const withView = expand?.toLowerCase() === 'instanceview';
    const value = [...this.avd.runCommands.values()]
      .filter((c) => c.deletedAt === undefined && idKey(c.vmId) === idKey(vm.id))
      .map((c) => runCommandJson(c, this.view(c, now), withView));
    return { status: 200, body: { value } };
  }

  /** rule runCommand.delete: a script still running is stopped and registers nothing. */
  delete(ref: VmRef, name: string): HandlerResult {
    const command = this.avd.runCommands.get(idKey(`${vmIdOf(ref)}/runCommands/${name}`));
    if (!command || command.deletedAt !== undefined || !liveVm(this.ctx.store, command.vmId))
      return { status: 204 };
    command.deletedAt = this.ctx.clock.now();
    this.avd.runCommands.delete(idKey(command.id));
    this.avd.nextCheckAt = -Infinity;
    return { status: 200 };
  }

  /**
   * Counts started scripts and makes due session hosts appear. Called before every request, so a
   * VM deleted now is still seen alive by a registration that came due before; it returns at once
   * until the earliest moment one of the pending run commands changes.
   */
  settle(now: number): void {
    if (now < this.avd.nextCheckAt) return;
    let next = Infinity;
    for (const command of this.avd.pending) {
      const wake = this.settleOne(command, now);
      if (wake === undefined) this.avd.pending.delete(command);
      else next = Math.min(next, wake);
    }
    this.avd.nextCheckAt = next;
  }

  /** Brings one run command up to `now`; the next time it needs looking at, or undefined when done. */
  private settleOne(command: RunCommandRecord, now: number): number | undefined {
    const vm = vmFacts(this.ctx.store, command.vmId);
    const view = this.view(command, now);
    const deletedAt = command.deletedAt ?? Infinity;
    const { plannedStart, plannedEnd } = view;
    if (plannedStart !== undefined && plannedStart <= now && plannedStart < deletedAt && !command.counted) {
      command.counted = true;
      this.avd.stats.runCommandsExecuted += 1;
    }
    if (!vm) return undefined; // the VM is gone, and its run commands with it
    // Not started: the VM's agent is not ready (unknown when: look again next time), or later.
    if (plannedStart === undefined) return deletedAt <= now ? undefined : now;
    if (deletedAt <= plannedStart) return undefined;
    if (plannedStart > now) return plannedStart;
    if (view.registerAt === undefined)
      return plannedEnd !== undefined && plannedEnd <= now ? undefined : plannedEnd;
    if (plannedEnd !== undefined && deletedAt < plannedEnd) return undefined; // stopped: no registration
    if (view.registerAt > now) return view.registerAt;
    const record = this.ctx.store.vms.get(idKey(command.vmId));
    const pool = command.registrationToken ? this.avd.poolOfToken(command.registrationToken) : undefined;
    if (record && pool) registerSessionHost(this.ctx.store, this.avd, pool, record, vm, view.registerAt);
    return undefined;
  }

  private view(command: RunCommandRecord, now: number): RunCommandView {
    return runCommandView(command, vmFacts(this.ctx.store, command.vmId), this.avd, this.timing, now);
  }

  private vm(ref: VmRef): { id: string; location: string } {
    const vm = liveVm(this.ctx.store, vmIdOf(ref));
    if (!vm) {
      this.ctx.stats.refusal('arm.notFound');
      throw refuse(
        'arm.notFound',
        `The Resource 'Microsoft.Compute/virtualMachines/${ref.vmName}' under resource group '${ref.resourceGroup}' was not found.`,
      );
    }
    return vm;
  }

  private command(ref: VmRef, name: string): RunCommandRecord {
    this.vm(ref);
    const command = this.avd.runCommands.get(idKey(`${vmIdOf(ref)}/runCommands/${name}`));
    if (!command) {
      this.ctx.stats.refusal('arm.notFound');
      throw refuse(
        'arm.notFound',
        `The Resource 'Microsoft.Compute/virtualMachines/${ref.vmName}/runCommands/${name}' under resource group '${ref.resourceGroup}' was not found.`,
      );
    }
    return command;
  }
}
