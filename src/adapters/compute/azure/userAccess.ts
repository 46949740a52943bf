/**
 * With a DR host pool, a recovered desktop is useful only if its user can see it: the product
 * assigns the user to the session host, but the application-group assignment needs role-assignment
 * rights it does not hold, so the policy names a group assigned in advance and this checks it,
 * before anything is made (a desktop nobody can open would cost a VM for nothing).
 */
import type { GroupAssignmentCheck } from './GroupAssignmentCheck';
import type { DeviceTarget } from './deviceTarget';

/** Why the device's user could not reach its recovered desktop; undefined when nothing stands in the way. */
export async function whyUserCannotConnect(
  target: DeviceTarget,
  assignments: GroupAssignmentCheck,
): Promise<string | undefined> {
  const { hostPoolId, applicationGroupId, userGroupObjectId } = target.settings;
  if (!hostPoolId) return undefined;
  if (!applicationGroupId || !userGroupObjectId)
    return 'The policy names a host pool without its desktop application group and user group';
  if (!target.request.user) return 'The device has no user to assign to its recovered desktop';
  if (!(await assignments.isAssigned(applicationGroupId, userGroupObjectId)))
    return `Entra group ${userGroupObjectId} is not assigned to application group ${applicationGroupId} (Desktop Virtualization User): its users would see no desktop; assign it, then retry`;
  return undefined;
}
