/**
 * Prints a bearer token from the local development issuer:
 *   npm run token -- --tenant <tenant id> --role DR.Admin [--role ...] [--upn user@contoso.com] [--hours 8]
 *   npm run token -- --platform [--upn ops@platform.test]   (DR.PlatformAdmin of PLATFORM_TENANT_ID)
 * It signs with the key under LOCAL_DATA_DIR (made on first use) for the issuer and audience of
 * the embedded runtime, or of AUTH_ISSUER / AUTH_AUDIENCE when they are set.
 */
import { parseArgs } from 'node:util';
import { loadLocalSigningKey, signLocalToken } from '../src/adapters/local-issuer/localIssuer';
import { isRole, PlatformRole, Roles } from '../src/domain/roles';
import { localSettings } from '../src/local/localSettings';
import { SettingNames } from '../src/settingNames';

const usage = [
  `usage: npm run token -- --tenant <tenant GUID> --role <${Roles.join('|')}> [--role ...] [--upn <upn>] [--hours <1-24>]`,
  `   or: npm run token -- --platform [--upn <upn>] [--hours <1-24>]   (${PlatformRole} of ${SettingNames.platformTenantId})`,
].join('\n');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      platform: { type: 'boolean', default: false },
      role: { type: 'string', multiple: true },
      upn: { type: 'string' },
      hours: { type: 'string', default: '8' },
    },
  });
  const defaults = localSettings();
  const setting = (name: string): string => process.env[name] || defaults[name]!;
  // A platform admin's token is of the deployment's home tenant: that is what makes the role count.
  const tenant = values.platform ? setting(SettingNames.platformTenantId) : (values.tenant ?? '');
  const roles = values.platform ? [PlatformRole] : (values.role ?? []);
  const hours = Number(values.hours);
  const problems: string[] = [];
  if (values.platform && (values.tenant !== undefined || values.role !== undefined))
    problems.push('--platform takes neither --tenant nor --role');
  else if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant))
    problems.push('--tenant must be a GUID');
  if (roles.length === 0) problems.push('at least one --role is required');
  for (const role of roles)
    if (!isRole(role) && !values.platform) problems.push(`--role ${role} is not one of ${Roles.join(', ')}`);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24)
    problems.push('--hours must be a whole number from 1 to 24');
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n${usage}`);
    process.exitCode = 2;
    return;
  }

  const key = await loadLocalSigningKey(setting(SettingNames.localDataDir));
  const claims = {
    issuer: setting(SettingNames.authIssuer),
    audience: setting(SettingNames.authAudience),
    tenantId: tenant,
    roles,
    expiresInSeconds: hours * 3600,
  };
  console.log(await signLocalToken(key, values.upn ? { ...claims, upn: values.upn } : claims));
}

void main();
