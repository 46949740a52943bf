/**
 * The public shape of the double's Azure Virtual Desktop part (`ArmDouble.avd`): seeding host pools,
 * session hosts, application groups, role assignments and registration tokens, and its counters.
 * The contract the run-command registration follows: AVD_DOUBLE.md.
 */

/** Built-in role "Desktop Virtualization User" (Azure built-in roles, Virtual desktop infrastructure). */
export const DESKTOP_VIRTUALIZATION_USER = '1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63';

export interface AvdOptions {
  /** Simulated seconds a registration script runs (default: rules.ts `runCommand.duration`). */
  runCommandSeconds?: number;
  /** Simulated seconds from the script's end to the session host appearing (default: `avd.registration.delay`). */
  registrationSeconds?: number;
  /** Session hosts per page when the caller names no pageSize (default: `avd.sessionHosts.paging`). */
  sessionHostPageSize?: number;
}

export interface SeedHostPool {
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DesktopVirtualization/hostPools/{name}` */
  id: string;
  location: string;
  hostPoolType?: 'Personal' | 'Pooled';
  personalDesktopAssignmentType?: 'Automatic' | 'Direct';
}

export interface SeedSessionHost {
  hostPoolId: string;
  /** The name inside the pool (the VM's computer name or FQDN). */
  name: string;
  vmId?: string;
  assignedUser?: string;
  status?: string;
  /** User sessions on it now (assignment changes are refused while there are any). */
  sessions?: number;
}

export interface SeedApplicationGroup {
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DesktopVirtualization/applicationGroups/{name}` */
  id: string;
  location: string;
  hostPoolId: string;
  applicationGroupType?: 'Desktop' | 'RemoteApp';
}

export interface SeedRoleAssignment {
  /** Any ARM scope: a subscription, a resource group or a resource id. */
  scope: string;
  principalId: string;
  /** The role's GUID or its full id (`…/providers/Microsoft.Authorization/roleDefinitions/{guid}`). */
  roleDefinitionId: string;
  principalType?: 'User' | 'Group' | 'ServicePrincipal';
}

export interface SessionHostView {
  hostPoolId: string;
  name: string;
  resourceId: string | undefined;
  assignedUser: string | undefined;
  status: string;
  sessions: number;
  /** Made by a registration run command (false: seeded). */
  registered: boolean;
}

export interface AvdStats {
  /** Registration scripts that started on a VM (failed ones included). */
  runCommandsExecuted: number;
  /** Session hosts that appeared through a run command. */
  sessionHostsRegistered: number;
  /** First-page session host list requests (a listing of a pool, however many pages it has). */
  sessionHostListRequests: number;
  /** Every session host list page served (first pages and nextLinks). */
  sessionHostListPages: number;
  registrationTokenRetrievals: number;
  /** Host pool updates that made a new registration token. */
  registrationTokensIssued: number;
  sessionHostUpdates: number;
  sessionHostDeletes: number;
  roleAssignmentListRequests: number;
}

export interface AvdDouble {
  seedHostPool(pool: SeedHostPool): string;
  seedSessionHost(host: SeedSessionHost): void;
  seedApplicationGroup(group: SeedApplicationGroup): string;
  seedRoleAssignment(assignment: SeedRoleAssignment): string;
  /** Gives the pool a current token (as `hostPools.update` would) and returns it. */
  seedRegistrationToken(hostPoolId: string, options?: { validForMs?: number }): string;
  /** The pool's session hosts now (registrations that are due are settled first). */
  sessionHosts(hostPoolId: string): SessionHostView[];
  stats(): AvdStats;
}
