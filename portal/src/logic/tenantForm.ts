/**
 * A tenant's entitlement as the platform page edits it, and the PUT body made from it. Page-blob
 * disk scopes (the embedded runtime's kind) are edited as rows; other scope kinds and the
 * per-region managed-disk settings as JSON. A PUT replaces them all, so a loaded tenant's JSON
 * fields start with what it has: saving a changed licence count keeps its managed-disk settings.
 */
import type { FieldProblem } from '../api/ApiError';
import type { paths } from '../api/schema';
import { fieldMessage, type FieldErrors } from './fieldErrors';

export type Tenant =
  paths['/api/platform/tenants/{tenantId}']['get']['responses'][200]['content']['application/json'];
export type TenantBody = NonNullable<
  paths['/api/platform/tenants/{tenantId}']['put']['requestBody']
>['content']['application/json'];
export type DiskScope = NonNullable<TenantBody['diskScopes']>[number];

export interface PageBlobScopeRow {
  region: string;
  container: string;
  /** Blank: the whole container. */
  prefix: string;
}

export interface TenantForm {
  id: string;
  name: string;
  /** Digits, as typed. */
  licences: string;
  /** Region names separated by commas or spaces. */
  allowedBackupRegions: string;
  pageBlobScopes: PageBlobScopeRow[];
  /** A JSON array of the other disk scopes (managed disks); blank for none. */
  otherDiskScopes: string;
  /** JSON objects by backup region; blank for none. */
  backupResourceGroups: string;
  backupDiskEncryptionSets: string;
  /** The Entra tenant id of its managed disks' subscriptions; blank for this deployment's own. */
  azureDirectoryId: string;
}

/** The form field of a client-side problem with the other scopes' JSON (not an API path). */
export const otherDiskScopesField = 'form.otherDiskScopes';

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const blankScopeRow: PageBlobScopeRow = { region: '', container: '', prefix: '' };

export function newTenantForm(id: string): TenantForm {
  return {
    id,
    name: '',
    licences: '',
    allowedBackupRegions: '',
    pageBlobScopes: [blankScopeRow],
    otherDiskScopes: '',
    backupResourceGroups: '',
    backupDiskEncryptionSets: '',
    azureDirectoryId: '',
  };
}

export function tenantFormOf(tenant: Tenant): TenantForm {
  const pageBlobs: PageBlobScopeRow[] = [];
  const others: DiskScope[] = [];
  for (const scope of tenant.diskScopes) {
    if (scope.kind === 'pageBlob')
      pageBlobs.push({ region: scope.region, container: scope.container, prefix: scope.prefix ?? '' });
    else others.push(scope);
  }
  return {
    id: tenant.id,
    name: tenant.name,
    licences: String(tenant.licences),
    allowedBackupRegions: tenant.allowedBackupRegions.join(', '),
    pageBlobScopes: pageBlobs,
    otherDiskScopes: others.length > 0 ? JSON.stringify(others, null, 2) : '',
    backupResourceGroups: jsonOrBlank(tenant.backupResourceGroups),
    backupDiskEncryptionSets: jsonOrBlank(tenant.backupDiskEncryptionSets),
    azureDirectoryId: tenant.azureDirectoryId ?? '',
  };
}

function jsonOrBlank(value: Record<string, string[]> | undefined): string {
  return value && Object.keys(value).length > 0 ? JSON.stringify(value, null, 2) : '';
}

export function regionsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter((region) => region.length > 0);
}

function isBlank(row: PageBlobScopeRow): boolean {
  return row.region.trim() === '' && row.container.trim() === '' && row.prefix.trim() === '';
}

/**
 * Where each row lands in the body's `diskScopes` (blank rows are left out), so the API's field
 * errors (`body.diskScopes.2.container`) are shown on the row they are about.
 */
export function scopeIndexesOfRows(rows: readonly PageBlobScopeRow[]): (number | undefined)[] {
  let next = 0;
  return rows.map((row) => (isBlank(row) ? undefined : next++));
}

/** The API's errors about the JSON scopes (after the rows in `diskScopes`), named by their place in it. */
export function otherScopesMessage(errors: FieldErrors, form: TenantForm): string | undefined {
  const first = scopeIndexesOfRows(form.pageBlobScopes).filter((i) => i !== undefined).length;
  const messages: string[] = [];
  const own = fieldMessage(errors, otherDiskScopesField);
  if (own) messages.push(own);
  for (const [field, reason] of errors) {
    const match = /^body\.diskScopes\.(\d+)(?:\.(.+))?$/.exec(field);
    if (!match || Number(match[1]) < first) continue;
    const place = `item ${Number(match[1]) - first}${match[2] ? ` ${match[2]}` : ''}`;
    messages.push(`${place}: ${reason}`);
  }
  return messages.length > 0 ? messages.join('; ') : undefined;
}

function parseJson(
  text: string,
  field: string,
  shape: 'array' | 'object',
  problems: FieldProblem[],
): unknown {
  if (text.trim() === '') return shape === 'array' ? [] : {};
  try {
    const value: unknown = JSON.parse(text);
    const fits =
      shape === 'array'
        ? Array.isArray(value)
        : !!value && typeof value === 'object' && !Array.isArray(value);
    if (fits) return value;
    problems.push({ field, reason: `must be a JSON ${shape}` });
  } catch (err) {
    problems.push({ field, reason: `is not valid JSON (${(err as Error).message})` });
  }
  return undefined;
}

/**
 * The PUT body, or what must be fixed first: the id (a path segment), the licences (a number)
 * and the JSON fields (readable). The API checks everything else; its field errors come back
 * with the same paths (`path.tenantId`, `body.licences`, `body.backupResourceGroups`).
 */
export function tenantBodyOf(form: TenantForm): { body: TenantBody } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!guidPattern.test(form.id.trim())) problems.push({ field: 'path.tenantId', reason: 'must be a GUID' });
  const licences = form.licences.trim();
  if (!/^\d{1,7}$/.test(licences))
    problems.push({ field: 'body.licences', reason: 'must be a whole number of licences' });
  const others = parseJson(form.otherDiskScopes, otherDiskScopesField, 'array', problems) as DiskScope[];
  const groups = parseJson(form.backupResourceGroups, 'body.backupResourceGroups', 'object', problems);
  const sets = parseJson(form.backupDiskEncryptionSets, 'body.backupDiskEncryptionSets', 'object', problems);
  // Left out when blank: a PUT without it puts the tenant back in this deployment's own directory.
  const directory = form.azureDirectoryId.trim();
  if (problems.length > 0) return { problems };
  const rows: DiskScope[] = form.pageBlobScopes
    .filter((row) => !isBlank(row))
    .map((row) => ({
      kind: 'pageBlob',
      region: row.region.trim(),
      container: row.container.trim(),
      ...(row.prefix.trim() ? { prefix: row.prefix.trim() } : {}),
    }));
  return {
    body: {
      name: form.name,
      licences: Number(licences),
      allowedBackupRegions: regionsOf(form.allowedBackupRegions),
      diskScopes: [...rows, ...others],
      backupResourceGroups: groups as Record<string, string[]>,
      backupDiskEncryptionSets: sets as Record<string, string[]>,
      ...(directory ? { azureDirectoryId: directory } : {}),
    },
  };
}

/** The tenant id as the path takes it. */
export function tenantIdOf(form: TenantForm): string {
  return form.id.trim().toLowerCase();
}
