import { describe, expect, it } from 'vitest';
import { roleAllows } from '../src/auth/roles';
import { loadSession, saveSession, sessionOfToken } from '../src/auth/session';

function token(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('the signed-in session', () => {
  it('reads tenant, user, roles and expiry from the token (names with non-ASCII letters too)', () => {
    const session = sessionOfToken(
      token({ tid: 't-1', upn: 'zoë@contoso.test', roles: ['DR.Operator'], exp: 2_000_000_000 }),
      'local',
    );
    expect(session).toMatchObject({
      tenantId: 't-1',
      upn: 'zoë@contoso.test',
      roles: ['DR.Operator'],
      expiresAt: 2_000_000_000_000,
      source: 'local',
    });
    expect(sessionOfToken(token({ preferred_username: 'a@b.test' }), 'entra').upn).toBe('a@b.test');
  });

  it('is kept across a reload until it expires', () => {
    const storage = memoryStorage();
    const session = sessionOfToken(token({ tid: 't', roles: [], exp: 1_000 }), 'local');
    saveSession(storage, session);
    expect(loadSession(storage, 999_000)).toEqual(session);
    expect(loadSession(storage, 1_000_000)).toBeUndefined();
    saveSession(storage, undefined);
    expect(loadSession(storage, 0)).toBeUndefined();
  });

  it('lets a role do what the roles below it may, and nothing above', () => {
    expect(roleAllows(['DR.Admin'], 'DR.Operator')).toBe(true);
    expect(roleAllows(['DR.Operator'], 'DR.Operator')).toBe(true);
    expect(roleAllows(['DR.Reader'], 'DR.Operator')).toBe(false);
    // The platform role is not on the tenant ladder: it grants no tenant right, and only it has itself.
    expect(roleAllows(['DR.PlatformAdmin'], 'DR.Reader')).toBe(false);
    expect(roleAllows(['DR.Admin'], 'DR.PlatformAdmin')).toBe(false);
    expect(roleAllows(['DR.PlatformAdmin'], 'DR.PlatformAdmin')).toBe(true);
  });
});
