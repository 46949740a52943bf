/**
 * How a policy's devices come up in its backup region when they are recovered onto Azure compute
 * (`COMPUTE_PROVIDER=azure`). The simulated provider ignores it. Every id is an ARM resource id in
 * the policy's backup region.
 */
export interface RecoverySettings {
  /**
   * The subnets temporary devices' NICs go in: one per subscription that holds a backup resource
   * group of the tenant in the backup region (a NIC and its virtual network share a subscription
   * and region), picked by the subscription of the device's restore point.
   */
  subnetIds: string[];
  /**
   * Sizes tried in order after the device's own recorded size when a size has no capacity, is not
   * offered to the subscription (`SkuNotAvailable`) or does not fit the disk (generation, disk
   * controller, security type, premium storage).
   */
  fallbackSizes?: string[];
  /** Zones tried after the disk's own when a zone has no capacity; absent: 1, 2, 3. */
  zones?: string[];
  /** Capacity reservation groups the VMs draw on, one per subscription at most (billed while reserved). */
  capacityReservationGroupIds?: string[];
  /** The AVD personal host pool in the backup region the recovered desktops register with. */
  hostPoolId?: string;
  /**
   * The host pool's desktop application group, whose assignment to the users the product checks
   * (and never makes: that needs role-assignment rights): required with `hostPoolId`.
   */
  applicationGroupId?: string;
  /** The Entra group (object id) assigned to that application group in advance; its members are the users. */
  userGroupObjectId?: string;
}
