/**
 * The tenant's devices: filtered and sorted by the API (the view is kept in the URL's hash, so a
 * link opens the same list), one page per request with Previous/Next over continuation tokens —
 * a fleet of 50,000 devices is never loaded whole. Admins import devices from here.
 */
import { Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { ok } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { ErrorBar } from '../components/ErrorBar';
import { PageHeader } from '../components/PageHeader';
import { Pager } from '../components/Pager';
import { useLoad } from '../hooks/useLoad';
import {
  apiQueryOfView,
  pageSizes,
  queryOfView,
  viewFromQuery,
  viewKey,
  type DeviceListView,
} from '../logic/deviceListView';
import { currentToken, firstPage, hasPrevious, nextPage, pageNumber, previousPage } from '../logic/pageStack';
import { navigate, type Route } from '../routes';
import { DeviceFilters } from './devices/DeviceFilters';
import { DeviceTable } from './devices/DeviceTable';
import { ImportDevicesDialog } from './devices/ImportDevicesDialog';
import { useFilterOptions } from './devices/useFilterOptions';

const useStyles = makeStyles({
  panel: {
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow2,
  },
  status: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minHeight: '1.5rem' },
});

export function DevicesPage(props: { route: Route }) {
  const styles = useStyles();
  const { api, session } = useSession();
  const view = viewFromQuery(props.route.query);
  const key = viewKey(view);
  // The pages seen in this view; a new view (filters, sort, page size) starts at its first page.
  const [paging, setPaging] = useState({ key, pages: firstPage });
  const pages = paging.key === key ? paging.pages : firstPage;
  const token = currentToken(pages);
  const [generation, setGeneration] = useState(0);
  const options = useFilterOptions();

  // Each answer keeps the page number it is of: while the next page loads, the rows shown (and
  // the caption a screen reader reads with them) are still the previous page's.
  const list = useLoad(
    async (signal) => ({
      ...(await ok(
        api.GET('/api/tenants/{tenantId}/devices', {
          params: { path: { tenantId: session.tenantId }, query: apiQueryOfView(view, token) },
          signal,
        }),
      )),
      pageNumber: pageNumber(pages),
    }),
    [api, session.tenantId, key, token, generation],
  );
  const show = (next: DeviceListView) => navigate(['devices'], queryOfView(next));
  const go = (next: typeof pages) => setPaging({ key, pages: next });

  return (
    <>
      <PageHeader title="Devices">
        <ImportDevicesDialog onImported={() => setGeneration((g) => g + 1)} />
      </PageHeader>
      <div className={styles.panel}>
        <DeviceFilters view={view} options={options} onChange={show} />
        <div className={styles.status} aria-live="polite">
          {list.loading && <Spinner size="tiny" label="Loading devices" />}
        </div>
        {list.error && <ErrorBar error={list.error} />}
        {list.data && (
          <DeviceTable
            devices={list.data.items}
            now={Date.now()}
            caption={`Devices, page ${list.data.pageNumber}`}
          />
        )}
        {!list.data && !list.loading && !list.error && <Text>No devices.</Text>}
        <Pager
          label="Device list pages"
          pageNumber={pageNumber(pages)}
          hasPrevious={hasPrevious(pages)}
          hasNext={Boolean(list.data?.continuationToken) && !list.loading}
          onPrevious={() => go(previousPage(pages))}
          onNext={() => {
            const next = list.data?.continuationToken;
            if (next) go(nextPage(pages, next));
          }}
          size={{ pageSize: view.pageSize, pageSizes, onPageSize: (pageSize) => show({ ...view, pageSize }) }}
          busy={list.loading}
        />
      </div>
    </>
  );
}
