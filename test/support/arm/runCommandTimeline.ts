/**
 * Where a run command is at a given simulated time, worked out from when it was PUT, when its VM's
 * agent became ready and the pool's token history (rules runCommand.*, avd.token.invalid): the
 * double runs no script, so this is the whole simulation. Pure: the same inputs give the same view.
 */
import type { AvdStore, RunCommandRecord } from './avdStore';
import type { VmFacts } from './vmFacts';

export interface RunTiming {
  runMs: number;
  registrationMs: number;
}

export interface RunCommandView {
  provisioningState: 'Creating' | 'Succeeded' | 'Failed';
  executionState: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'TimedOut';
  executionMessage: string | undefined;
  exitCode: number | undefined;
  output: string;
  error: string;
  startTime: number | undefined;
  endTime: number | undefined;
  /** When the PUT's long-running operation ends; undefined while the VM's agent is not ready. */
  lroDoneAt: number | undefined;
  lroFailure: { code: string; message: string } | undefined;
  /** When its session host appears, if it will. */
  registerAt: number | undefined;
  /** When its script starts and ends, once known (the VM's agent ready), past or future. */
  plannedStart: number | undefined;
  plannedEnd: number | undefined;
}

interface Outcome {
  ok: boolean;
  output: string;
  error: string;
}

function outcome(command: RunCommandRecord, store: AvdStore, startAt: number): Outcome {
  const token = command.registrationToken;
  // Not a registration: the double cannot run it, and says so in the output (assumed success).
  if (token === undefined) return { ok: true, output: 'The ARM double does not run scripts.', error: '' };
  if (!command.script?.includes('RegistrationToken'))
    return {
      ok: false,
      output: '',
      error: 'The script does not use its RegistrationToken parameter: the agent was not given the token.',
    };
  const pool = store.poolOfToken(token);
  if (!pool || !store.tokenValidAt(pool, token, startAt))
    return {
      ok: false,
      output: '',
      error:
        'INVALID_REGISTRATION_TOKEN: the registration token is expired, replaced or not a host pool token; the agent did not register.',
    };
  return {
    ok: true,
    output: `RDInfraAgent: RegistrationToken set, IsRegistered 0, RDAgentBootLoader restarted (host pool ${pool.name}).`,
    error: '',
  };
}

export function runCommandView(
  command: RunCommandRecord,
  vm: VmFacts | undefined,
  store: AvdStore,
  timing: RunTiming,
  now: number,
): RunCommandView {
  const pending: RunCommandView = {
    provisioningState: 'Creating',
    executionState: 'Pending',
    executionMessage: undefined,
    exitCode: undefined,
    output: '',
    error: '',
    startTime: undefined,
    endTime: undefined,
    lroDoneAt: undefined,
    lroFailure: undefined,
    registerAt: undefined,
    plannedStart: undefined,
    plannedEnd: undefined,
  };
  // rule runCommand.waitsForAgent
  if (!vm || vm.agentReadyAt === undefined) return pending;
  const startAt = Math.max(command.putAt, vm.agentReadyAt);
  const timeoutMs = (command.timeoutInSeconds ?? Infinity) * 1000;
  const timedOut = timeoutMs < timing.runMs; // rule runCommand.timeout
  const endAt = startAt + Math.min(timeoutMs, timing.runMs);
  const result = outcome(command, store, startAt);
  const failed = timedOut || !result.ok;
  const deploymentFails = failed && command.treatFailureAsDeploymentFailure && !command.asyncExecution;
  // rule runCommand.asyncExecution
  const lroDoneAt = command.asyncExecution ? startAt : endAt;
  const registerAt =
    !failed && command.registrationToken !== undefined ? endAt + timing.registrationMs : undefined;
  const lroFailure = deploymentFails // rule runCommand.treatFailure
    ? {
        code: 'VMExtensionProvisioningError',
        message: `VM has reported a failure when processing extension 'RunCommandWindows' (run command '${command.name}'): ${timedOut ? 'the script timed out' : result.error}`,
      }
    : undefined;
  const base = { ...pending, lroDoneAt, lroFailure, registerAt, plannedStart: startAt, plannedEnd: endAt };
  if (now < startAt) return base;
  const provisioningState = now < lroDoneAt ? 'Creating' : deploymentFails ? 'Failed' : 'Succeeded';
  if (now < endAt) return { ...base, provisioningState, executionState: 'Running', startTime: startAt };
  if (timedOut)
    return {
      ...base,
      provisioningState,
      executionState: 'TimedOut',
      executionMessage: `The script did not end within timeoutInSeconds (${command.timeoutInSeconds} s).`,
      startTime: startAt,
      endTime: endAt,
    };
  return {
    ...base,
    provisioningState,
    executionState: result.ok ? 'Succeeded' : 'Failed',
    executionMessage: result.ok ? undefined : 'Execution failed.',
    exitCode: result.ok ? 0 : 1,
    output: result.output,
    error: result.error,
    startTime: startAt,
    endTime: endAt,
  };
}
