/**
 * The tenant's audit trail: who changed what and how it ended, and every disaster-recovery event,
 * newest first; filtered by time and action (kept in the URL's hash), one page per request, and
 * the whole filtered trail as CSV for evidence.
 */
import { Spinner, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { ok, okWithResponse } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { CsvButton } from '../components/CsvButton';
import { ErrorBar } from '../components/ErrorBar';
import { PageHeader } from '../components/PageHeader';
import { Pager } from '../components/Pager';
import { useLoad } from '../hooks/useLoad';
import { auditFiltersOf, auditQueryOf, type AuditFilters } from '../logic/auditFilters';
import { fieldErrorsOf } from '../logic/fieldErrors';
import {
  currentToken,
  firstPage,
  hasPrevious,
  nextPage,
  pageNumber,
  previousPage,
  type PageStack,
} from '../logic/pageStack';
import { navigate, type Route } from '../routes';
import { AuditFiltersForm } from './audit/AuditFiltersForm';
import { AuditTable } from './audit/AuditTable';

const pageSizes = [25, 50, 100] as const;
type PageSize = (typeof pageSizes)[number];

export function AuditPage(props: { route: Route }) {
  const { api, session } = useSession();
  const filters = auditFiltersOf(props.route.query);
  const query = auditQueryOf(filters);
  const [pageSize, setPageSize] = useState<PageSize>(50);
  // Paging starts again at the first page whenever the filters or the page size change.
  const view = JSON.stringify([query, pageSize]);
  const [paging, setPaging] = useState<{ view: string; stack: PageStack }>({ view, stack: firstPage });
  const stack = paging.view === view ? paging.stack : firstPage;
  const token = currentToken(stack);
  const path = { tenantId: session.tenantId };

  const page = useLoad(
    (signal) =>
      ok(
        api.GET('/api/tenants/{tenantId}/audit', {
          params: { path, query: { ...query, pageSize, ...(token ? { continuationToken: token } : {}) } },
          signal,
        }),
      ),
    [api, session.tenantId, view, token],
  );
  const apply = (next: AuditFilters) => navigate(['audit'], auditQueryOf(next));
  const continuation = page.data?.continuationToken;

  return (
    <>
      <PageHeader title="Audit">
        <CsvButton
          label="Download CSV"
          fallbackName={`audit-${session.tenantId}.csv`}
          load={() =>
            okWithResponse(
              api.GET('/api/tenants/{tenantId}/audit', {
                params: { path, query: { ...query, format: 'csv' } },
                parseAs: 'blob',
              }),
            )
          }
        />
      </PageHeader>
      <AuditFiltersForm
        key={JSON.stringify(query)}
        filters={filters}
        errors={fieldErrorsOf(page.error)}
        onApply={apply}
      />
      {page.error && !page.loading ? (
        <ErrorBar error={page.error} />
      ) : page.loading && !page.data ? (
        <Spinner label="Loading the audit trail" />
      ) : page.data && page.data.records.length === 0 ? (
        <Text block>No records match these filters.</Text>
      ) : (
        page.data && <AuditTable records={page.data.records} tenantId={session.tenantId} />
      )}
      <Pager
        label="Audit pages"
        pageNumber={pageNumber(stack)}
        hasPrevious={hasPrevious(stack)}
        hasNext={!!continuation}
        onPrevious={() => setPaging({ view, stack: previousPage(stack) })}
        onNext={() => continuation && setPaging({ view, stack: nextPage(stack, continuation) })}
        size={{ pageSize, pageSizes, onPageSize: setPageSize }}
        busy={page.loading}
      />
    </>
  );
}
