/** Tenants as a deployment makes them: its platform admin creates each and grants its disk scopes. */
import { expect } from 'vitest';
import type { DiskScope } from '../../src/domain/diskScope';
import { PlatformRole } from '../../src/domain/roles';
import { call, type TestResponse } from './http';
import type { TestEnvironment } from './testEnvironment';

export interface Entitlement {
  name?: string;
  licences: number;
  allowedBackupRegions?: string[];
  diskScopes?: DiskScope[];
}

/** A token of the deployment's own platform admin (home tenant, DR.PlatformAdmin). */
export async function platformToken(env: TestEnvironment): Promise<string> {
  return await env.token(env.settings.PLATFORM_TENANT_ID!, [PlatformRole]);
}

/** PUT of the tenant's entitlement through the platform route, answered as it is. */
export async function putEntitlement(
  env: TestEnvironment,
  tenantId: string,
  entitlement: Entitlement,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return await call(`${env.baseUrl}/platform/tenants/${tenantId}`, {
    method: 'PUT',
    token: await platformToken(env),
    headers,
    json: {
      name: entitlement.name ?? 'Contoso',
      licences: entitlement.licences,
      allowedBackupRegions: entitlement.allowedBackupRegions ?? ['northeurope'],
      diskScopes: entitlement.diskScopes ?? [],
    },
  });
}

/** Creates the tenant or changes its entitlement, and fails the test unless that worked. */
export async function provisionTenant(
  env: TestEnvironment,
  tenantId: string,
  entitlement: Entitlement,
): Promise<TestResponse> {
  const response = await putEntitlement(env, tenantId, entitlement);
  expect([200, 201], response.text).toContain(response.status);
  return response;
}

/** A page-blob scope in the embedded runtime's primary region. */
export function diskScope(container: string, prefix?: string, region = 'westeurope'): DiskScope {
  return prefix === undefined
    ? { kind: 'pageBlob', region, container }
    : { kind: 'pageBlob', region, container, prefix };
}
