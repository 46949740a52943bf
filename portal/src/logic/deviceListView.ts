/**
 * The device list's view — filters, sort and page size — as it is kept in the URL's hash query, so
 * a link or a reload opens the same view. Values the API would refuse are dropped when read, so a
 * hand-edited link shows the unfiltered list rather than an error.
 */
import { isComplianceStatus, type ComplianceStatus } from './complianceStatus';

export const deviceSorts = ['deviceId', 'lastVerifiedAt'] as const;
export type DeviceSort = (typeof deviceSorts)[number];

export const pageSizes = [25, 50, 100] as const;
export type PageSize = (typeof pageSizes)[number];
export const defaultPageSize: PageSize = 50;

export interface DeviceListView {
  policyId?: string;
  primaryRegion?: string;
  priorityTier?: number;
  status?: ComplianceStatus;
  sort: DeviceSort;
  pageSize: PageSize;
}

export const defaultView: DeviceListView = { sort: 'deviceId', pageSize: defaultPageSize };

// The API's own patterns (src/http/schemas): a value outside them would answer 400.
const policyIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const regionPattern = /^[a-z][a-z0-9-]{1,39}$/;

function tier(value: string | null): number | undefined {
  if (value === null || !/^\d{1,2}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 10 ? n : undefined;
}

export function viewFromQuery(query: URLSearchParams): DeviceListView {
  const policyId = query.get('policy') ?? '';
  const region = query.get('region') ?? '';
  const status = query.get('status');
  const sort = query.get('sort');
  const size = Number(query.get('pageSize'));
  return {
    policyId: policyIdPattern.test(policyId) ? policyId : undefined,
    primaryRegion: regionPattern.test(region) ? region : undefined,
    priorityTier: tier(query.get('tier')),
    status: isComplianceStatus(status) ? status : undefined,
    sort: (deviceSorts as readonly (string | null)[]).includes(sort) ? (sort as DeviceSort) : 'deviceId',
    pageSize: (pageSizes as readonly number[]).includes(size) ? (size as PageSize) : defaultPageSize,
  };
}

/** The hash query of a view; defaults are left out so links stay short. */
export function queryOfView(view: DeviceListView): Record<string, string | undefined> {
  return {
    policy: view.policyId,
    region: view.primaryRegion,
    tier: view.priorityTier === undefined ? undefined : String(view.priorityTier),
    status: view.status,
    sort: view.sort === defaultView.sort ? undefined : view.sort,
    pageSize: view.pageSize === defaultView.pageSize ? undefined : String(view.pageSize),
  };
}

/** The device list's API query for a view and a page's token. */
export function apiQueryOfView(view: DeviceListView, continuationToken: string | undefined) {
  return {
    policyId: view.policyId,
    primaryRegion: view.primaryRegion,
    priorityTier: view.priorityTier,
    status: view.status,
    // The API's default order is by id; it is sent only when another is asked for.
    sort: view.sort === 'deviceId' ? undefined : view.sort,
    pageSize: view.pageSize,
    continuationToken,
  };
}

/** A key that changes exactly when the view does (a new view starts again at the first page). */
export function viewKey(view: DeviceListView): string {
  return JSON.stringify(queryOfView(view));
}
