import { describe, expect, it } from 'vitest';
import { actorText, targetText } from '../src/logic/auditRecordText';

const tenant = '30a0d17e-5e55-4c0a-9a30-00000000a030';

describe('targetText', () => {
  it('drops the trail’s own tenant from the target', () => {
    expect(targetText(`tenants/${tenant}/policies/standard`, tenant)).toBe('policies/standard');
    expect(targetText(`tenants/${tenant}`, tenant.toUpperCase())).toBe('the tenant');
  });

  it('keeps any other target whole, another tenant’s included', () => {
    expect(targetText('tenants/00000000-0000-0000-0000-000000000001/devices/x', tenant)).toBe(
      'tenants/00000000-0000-0000-0000-000000000001/devices/x',
    );
    expect(targetText(`tenants/${tenant}0/devices/x`, tenant)).toBe(`tenants/${tenant}0/devices/x`);
  });
});

describe('actorText', () => {
  it('names a user by UPN, the control plane by its region', () => {
    expect(actorText({ kind: 'user', objectId: 'o', upn: 'ada@contoso.test' })).toBe('ada@contoso.test');
    expect(actorText({ kind: 'system', region: 'northeurope' })).toBe('the control plane (northeurope)');
    expect(actorText({ kind: 'application', objectId: 'app-1' })).toBe('application app-1');
    expect(actorText({ kind: 'anonymous' })).toBe('anonymous');
  });
});
