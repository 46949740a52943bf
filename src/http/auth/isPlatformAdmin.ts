import type { AuthConfig } from '../../config';
import { PlatformRole } from '../../domain/roles';
import type { Principal } from './principal';

/**
 * A platform admin holds DR.PlatformAdmin in a token whose tenant (`tid`) and issuer (`iss`) are
 * both the deployment's home tenant. The role alone proves nothing: in a multi-tenant app
 * registration any customer's admin can assign every app role to its own users.
 */
export function isPlatformAdmin(principal: Principal, auth: AuthConfig): boolean {
  const home = auth.platformTenantId.toLowerCase();
  return (
    principal.tenantId.toLowerCase() === home &&
    principal.issuer.toLowerCase() === auth.issuer.replace(/\{tenantid\}/gi, home).toLowerCase() &&
    principal.roles.includes(PlatformRole)
  );
}
