/**
 * Azure Virtual Desktop as the product uses it: the DR host pool recovered desktops register with,
 * its session hosts and their assigned users, and the check that the users' group may use the
 * pool's desktop application group. Discovery reads a primary host pool through the same port.
 */

export interface HostPoolInfo {
  id: string;
  location: string;
  /** `Personal` or `Pooled`: only personal pools hold Cloud-PC-like desktops. */
  hostPoolType: string;
  /** `Automatic` or `Direct`. */
  personalDesktopAssignmentType?: string;
}

export interface SessionHostInfo {
  hostPoolId: string;
  /** The session host's name inside the pool (the VM's computer name, usually its FQDN). */
  name: string;
  /** The VM's ARM resource id. */
  vmId?: string;
  /** The UPN of the user it is assigned to. */
  assignedUser?: string;
  /** `Available`, `Unavailable`, … as AVD reports it. */
  status?: string;
}

export interface HostPools {
  getHostPool(hostPoolId: string): Promise<HostPoolInfo | undefined>;
  /**
   * A registration token valid for at least a while, renewed when missing or about to expire.
   * `refresh` reads the pool's token again instead of the one held: after a registration failed
   * with it (another process's renewal may have replaced it).
   */
  registrationToken(hostPoolId: string, options?: { refresh?: boolean }): Promise<string>;
  /** Every session host of the pool, page by page. */
  listSessionHosts(hostPoolId: string): AsyncIterable<SessionHostInfo>;
  /**
   * The session host a VM registered as, if it has: served from a short-lived listing of the pool,
   * or with `fresh` from one started no earlier than the call (a deletion must not miss a host
   * that registered after the last listing: its record would outlive the VM).
   */
  findSessionHostByVm(
    hostPoolId: string,
    vmId: string,
    options?: { fresh?: boolean },
  ): Promise<SessionHostInfo | undefined>;
  /** Sets the session host's assigned user (idempotent). */
  assignUser(hostPoolId: string, sessionHostName: string, upn: string): Promise<void>;
  /** Removes the session host record; a missing one is success. */
  removeSessionHost(hostPoolId: string, sessionHostName: string): Promise<void>;
  /** Whether the Entra group holds Desktop Virtualization User on the application group. */
  isGroupAssigned(applicationGroupId: string, groupObjectId: string): Promise<boolean>;
}
