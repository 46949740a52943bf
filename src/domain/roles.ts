/**
 * The app roles of the admin API. Each includes the ones below it: an Operator may do what a Reader
 * may, an Admin what an Operator may.
 */
export const Roles = ['DR.Reader', 'DR.Operator', 'DR.Admin'] as const;
export type Role = (typeof Roles)[number];

/** True when any of the granted roles is at least the required one. */
export function satisfiesRole(granted: readonly string[], required: Role): boolean {
  const needed = Roles.indexOf(required);
  return granted.some((role) => Roles.indexOf(role as Role) >= needed);
}

export function isRole(value: string): value is Role {
  return (Roles as readonly string[]).includes(value);
}

/**
 * The deployment's own role: it creates tenants and sets their licences and disk scopes, and gets
 * no right on any tenant's data. It is not one of the tenant roles above and includes none of them.
 */
export const PlatformRole = 'DR.PlatformAdmin';
export type PlatformRole = typeof PlatformRole;
