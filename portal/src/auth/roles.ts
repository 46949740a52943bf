/**
 * What the signed-in admin may do, by the role each API operation requires (generated from the
 * API's own routes), so a control is disabled, with the reason, exactly when the API would refuse.
 */
import { requiredRoles, type OperationName } from '../api/requiredRoles';

/** Tenant roles, each including the ones before it (as src/domain/roles.ts). */
const ladder = ['DR.Reader', 'DR.Operator', 'DR.Admin'];

export function roleAllows(granted: readonly string[], required: string): boolean {
  if (!ladder.includes(required)) return granted.includes(required);
  const needed = ladder.indexOf(required);
  return granted.some((role) => ladder.indexOf(role) >= needed);
}

/** Undefined when the roles allow the operation; otherwise why not, in the admin's words. */
export function refusalOf(granted: readonly string[], operation: OperationName): string | undefined {
  const required = requiredRoles[operation];
  return roleAllows(granted, required) ? undefined : `Requires the ${required} role`;
}
