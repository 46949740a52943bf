import { describe, expect, it } from 'vitest';
import { isPlatformAdmin } from '../../../src/http/auth/isPlatformAdmin';
import type { Principal } from '../../../src/http/auth/principal';

const home = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const auth = {
  issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
  audience: 'api://dr',
  jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
  clockSkewSeconds: 60,
  platformTenantId: home,
};
const admin: Principal = {
  tenantId: home,
  issuer: `https://login.microsoftonline.com/${home}/v2.0`,
  objectId: 'o',
  subject: 's',
  roles: ['DR.PlatformAdmin'],
};

describe('isPlatformAdmin', () => {
  it('holds for the role in a token of the home tenant, issued by it', () => {
    expect(isPlatformAdmin(admin, auth)).toBe(true);
    expect(isPlatformAdmin({ ...admin, tenantId: home.toUpperCase() }, auth)).toBe(true);
  });

  it('needs the role, the home tenant and its issuer, each', () => {
    const other = '11111111-2222-4333-8444-555555555555';
    expect(isPlatformAdmin({ ...admin, roles: ['DR.Admin'] }, auth)).toBe(false);
    // A customer's admin can grant its users any app role of a multi-tenant registration.
    expect(
      isPlatformAdmin(
        { ...admin, tenantId: other, issuer: `https://login.microsoftonline.com/${other}/v2.0` },
        auth,
      ),
    ).toBe(false);
    expect(
      isPlatformAdmin({ ...admin, issuer: `https://login.microsoftonline.com/${other}/v2.0` }, auth),
    ).toBe(false);
  });
});
