/**
 * The JSON the AVD, Authorization and run-command parts of the double answer with, shaped after the
 * REST specifications' examples (azure-rest-api-specs): DesktopVirtualization HostPool_Get.json,
 * SessionHost_Get.json, ApplicationGroup_Get.json; Authorization RoleAssignments_ListForScope.json;
 * Compute VirtualMachineRunCommand_Get.json.
 */
import type {
  ApplicationGroupRecord,
  AvdStore,
  HostPoolRecord,
  RoleAssignmentRecord,
  RunCommandRecord,
  SessionHostRecord,
} from './avdStore';
import type { RunCommandView } from './runCommandTimeline';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function hostPoolJson(
  pool: HostPoolRecord,
  store: AvdStore,
  groups: ApplicationGroupRecord[],
): unknown {
  const token = store.currentToken(pool);
  return {
    id: pool.id,
    name: pool.name,
    type: 'Microsoft.DesktopVirtualization/hostPools',
    location: pool.location,
    properties: {
      objectId: pool.objectId,
      friendlyName: pool.name,
      hostPoolType: pool.hostPoolType,
      ...(pool.personalDesktopAssignmentType
        ? { personalDesktopAssignmentType: pool.personalDesktopAssignmentType }
        : {}),
      maxSessionLimit: pool.hostPoolType === 'Personal' ? 1 : 999_999,
      loadBalancerType: pool.hostPoolType === 'Personal' ? 'Persistent' : 'BreadthFirst',
      validationEnvironment: false,
      preferredAppGroupType: 'Desktop',
      startVMOnConnect: false,
      cloudPcResource: false,
      // rule avd.token.notOnGet: the token itself is only ever in retrieveRegistrationToken's answer.
      registrationInfo: token
        ? { expirationTime: iso(token.expiresAt), registrationTokenOperation: pool.lastTokenOperation }
        : { registrationTokenOperation: 'None' },
      applicationGroupReferences: groups.map((g) => g.id),
    },
  };
}

export function registrationInfoJson(pool: HostPoolRecord, store: AvdStore): unknown {
  const token = store.currentToken(pool);
  if (!token) return { registrationTokenOperation: 'None' }; // rule avd.token.none
  return {
    expirationTime: iso(token.expiresAt),
    token: token.value,
    registrationTokenOperation: pool.lastTokenOperation,
  };
}

export function sessionHostJson(pool: HostPoolRecord, host: SessionHostRecord, now: number): unknown {
  return {
    id: `${pool.id}/sessionHosts/${host.name}`,
    name: `${pool.name}/${host.name}`, // rule avd.sessionHost.name
    type: 'Microsoft.DesktopVirtualization/hostPools/sessionHosts',
    properties: {
      objectId: host.objectId,
      lastHeartBeat: iso(host.status === 'Available' ? now : host.updatedAt),
      sessions: host.sessions,
      agentVersion: '1.0.0.0',
      allowNewSession: true,
      virtualMachineId: host.virtualMachineId,
      ...(host.vmId ? { resourceId: host.vmId } : {}),
      ...(host.assignedUser ? { assignedUser: host.assignedUser } : {}),
      friendlyName: host.name,
      status: host.status,
      statusTimestamp: iso(host.updatedAt),
      osVersion: '10.0.22631',
      sxSStackVersion: 'rdp-sxs000000000',
      updateState: 'Succeeded',
      lastUpdateTime: iso(host.updatedAt),
    },
  };
}

export function applicationGroupJson(group: ApplicationGroupRecord): unknown {
  return {
    id: group.id,
    name: group.name,
    type: 'Microsoft.DesktopVirtualization/applicationGroups',
    location: group.location,
    properties: {
      objectId: group.objectId,
      friendlyName: group.name,
      hostPoolArmPath: group.hostPoolId,
      applicationGroupType: group.applicationGroupType,
      cloudPcResource: false,
      showInFeed: true,
    },
  };
}

export function roleAssignmentJson(assignment: RoleAssignmentRecord): unknown {
  return {
    id: assignment.id,
    name: assignment.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      scope: assignment.scope,
      roleDefinitionId: assignment.roleDefinitionId,
      principalId: assignment.principalId,
      principalType: assignment.principalType,
    },
  };
}

/** rule runCommand.protectedParameters: protectedParameters are never echoed. */
export function runCommandJson(command: RunCommandRecord, view: RunCommandView, expand: boolean): unknown {
  return {
    id: command.id,
    name: command.name,
    type: 'Microsoft.Compute/virtualMachines/runCommands',
    location: command.location,
    properties: {
      source: command.script === undefined ? {} : { script: command.script },
      parameters: command.parameters,
      asyncExecution: command.asyncExecution,
      ...(command.timeoutInSeconds !== undefined ? { timeoutInSeconds: command.timeoutInSeconds } : {}),
      treatFailureAsDeploymentFailure: command.treatFailureAsDeploymentFailure,
      provisioningState: view.provisioningState,
      ...(expand
        ? {
            instanceView: {
              executionState: view.executionState,
              ...(view.executionMessage ? { executionMessage: view.executionMessage } : {}),
              ...(view.exitCode !== undefined ? { exitCode: view.exitCode } : {}),
              output: view.output,
              error: view.error,
              ...(view.startTime !== undefined ? { startTime: iso(view.startTime) } : {}),
              ...(view.endTime !== undefined ? { endTime: iso(view.endTime) } : {}),
            },
          }
        : {}),
    },
  };
}
