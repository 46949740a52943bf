/**
 * The double's Azure Virtual Desktop state: host pools with the history of their registration
 * tokens (a run command checks a token at the moment its script starts, which the double works out
 * lazily, possibly after the token was replaced), session hosts, application groups, role
 * assignments and run commands. Keys are ARM ids compared without case.
 */
import { idKey } from './resourceIds';
import type { AvdStats } from './avdTypes';

export interface TokenRecord {
  value: string;
  issuedAt: number;
  expiresAt: number;
  /** When an update replaced or deleted it (rule avd.token.replace). */
  revokedAt: number | undefined;
}

export interface HostPoolRecord {
  id: string;
  name: string;
  location: string;
  hostPoolType: 'Personal' | 'Pooled';
  personalDesktopAssignmentType: 'Automatic' | 'Direct' | undefined;
  objectId: string;
  tokens: TokenRecord[];
  lastTokenOperation: 'None' | 'Update' | 'Delete';
}

export interface SessionHostRecord {
  hostPoolKey: string;
  name: string;
  vmId: string | undefined;
  /** The VM's own GUID (`virtualMachineId`). */
  virtualMachineId: string;
  objectId: string;
  assignedUser: string | undefined;
  status: string;
  sessions: number;
  registered: boolean;
  updatedAt: number;
}

export interface ApplicationGroupRecord {
  id: string;
  name: string;
  location: string;
  hostPoolId: string;
  applicationGroupType: 'Desktop' | 'RemoteApp';
  objectId: string;
}

export interface RoleAssignmentRecord {
  id: string;
  name: string;
  scope: string;
  principalId: string;
  /** Full id, `/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}`. */
  roleDefinitionId: string;
  principalType: string;
}

export interface RunCommandRecord {
  id: string;
  vmId: string;
  name: string;
  location: string;
  script: string | undefined;
  /** The `RegistrationToken` protected parameter, when there is one: what makes it a registration. */
  registrationToken: string | undefined;
  parameters: { name: string; value: string }[];
  asyncExecution: boolean;
  timeoutInSeconds: number | undefined;
  treatFailureAsDeploymentFailure: boolean;
  putAt: number;
  deletedAt: number | undefined;
  /** Counted once in `runCommandsExecuted` when its script is first seen started. */
  counted: boolean;
}

export class AvdStore {
  readonly hostPools = new Map<string, HostPoolRecord>();
  /** Pool key → (host name lower-cased → host), in insertion order (the listing's order). */
  readonly sessionHosts = new Map<string, Map<string, SessionHostRecord>>();
  readonly applicationGroups = new Map<string, ApplicationGroupRecord>();
  readonly roleAssignments: RoleAssignmentRecord[] = [];
  readonly runCommands = new Map<string, RunCommandRecord>();
  /**
   * Run commands with something still to happen (start, end, registration), live, replaced or
   * deleted alike (a deleted one whose script ended still registers), and the earliest simulated
   * time one of them needs looking at: settling costs nothing until then, which keeps a
   * 50,000-device benchmark from walking every run command on every request.
   */
  readonly pending = new Set<RunCommandRecord>();
  nextCheckAt = -Infinity;
  readonly stats: AvdStats = {
    runCommandsExecuted: 0,
    sessionHostsRegistered: 0,
    sessionHostListRequests: 0,
    sessionHostListPages: 0,
    registrationTokenRetrievals: 0,
    registrationTokensIssued: 0,
    sessionHostUpdates: 0,
    sessionHostDeletes: 0,
    roleAssignmentListRequests: 0,
  };

  pool(id: string): HostPoolRecord | undefined {
    return this.hostPools.get(idKey(id));
  }

  hostsOf(poolId: string): Map<string, SessionHostRecord> {
    const key = idKey(poolId);
    let hosts = this.sessionHosts.get(key);
    if (!hosts) {
      hosts = new Map();
      this.sessionHosts.set(key, hosts);
    }
    return hosts;
  }

  /** The token the pool answers with now: its newest one, expired or not, unless deleted. */
  currentToken(pool: HostPoolRecord): TokenRecord | undefined {
    const newest = pool.tokens[pool.tokens.length - 1];
    return newest && newest.revokedAt === undefined ? newest : undefined;
  }

  /** Whether `value` was a working token of the pool at `at` (issued, not expired, not replaced). */
  tokenValidAt(pool: HostPoolRecord, value: string, at: number): boolean {
    return pool.tokens.some(
      (t) =>
        t.value === value &&
        t.issuedAt <= at &&
        at < t.expiresAt &&
        (t.revokedAt === undefined || at < t.revokedAt),
    );
  }

  /** The pool a token was issued by, if any (to name it in a run command's error). */
  poolOfToken(value: string): HostPoolRecord | undefined {
    return [...this.hostPools.values()].find((p) => p.tokens.some((t) => t.value === value));
  }
}
