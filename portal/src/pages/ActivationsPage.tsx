/**
 * Disaster recovery: the tenant's activations, newest first, one page at a time, and the way to
 * start one (DR.Operator; shown disabled with the reason to a reader).
 */
import { Button, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular, ShieldCheckmarkRegular } from '@fluentui/react-icons';
import { ok } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { ErrorBar } from '../components/ErrorBar';
import { GuardedButton } from '../components/GuardedButton';
import { PageHeader } from '../components/PageHeader';
import { navigate } from '../routes';
import { ActivationsTable } from './activations/ActivationsTable';
import { Pager } from '../components/Pager';
import { usePagedList } from './activations/usePagedList';

const useStyles = makeStyles({
  intro: { display: 'block', marginBottom: tokens.spacingVerticalM, maxWidth: '70ch' },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

const pageSize = 25;

export function ActivationsPage() {
  const styles = useStyles();
  const { api, session } = useSession();
  const tenantId = session.tenantId;
  const list = usePagedList(
    (continuationToken, signal) =>
      ok(
        api.GET('/api/tenants/{tenantId}/activations', {
          params: {
            path: { tenantId },
            query: { pageSize, ...(continuationToken ? { continuationToken } : {}) },
          },
          signal,
        }),
      ),
    [tenantId],
  );
  return (
    <>
      <PageHeader title="Disaster recovery">
        <Button icon={<ArrowClockwiseRegular />} onClick={list.reload} disabled={list.loading}>
          Refresh
        </Button>
        <GuardedButton
          operation="activateRecovery"
          appearance="primary"
          icon={<ShieldCheckmarkRegular />}
          onClick={() => navigate(['activations', 'new'])}
        >
          Activate disaster recovery
        </GuardedButton>
      </PageHeader>
      <Text className={styles.intro}>
        When a region is down, an activation gives its users temporary Cloud PCs in the backup region, made
        from their latest verified restore points. Open an activation to watch it, cancel it, or deactivate it
        when the region is back.
      </Text>
      <div className={styles.stack}>
        {list.error && <ErrorBar error={list.error} />}
        {!list.page && list.loading && <Spinner label="Loading activations" />}
        {list.page && list.page.items.length === 0 && !list.hasPrevious && (
          <Text>No activation yet: this tenant has never activated disaster recovery.</Text>
        )}
        {list.page && list.page.items.length > 0 && <ActivationsTable items={list.page.items} />}
        {(list.hasNext || list.hasPrevious) && (
          <Pager
            label="Activations pages"
            of="activations"
            pageNumber={list.pageNumber}
            hasPrevious={list.hasPrevious}
            hasNext={list.hasNext}
            onPrevious={list.previous}
            onNext={list.next}
            busy={list.loading}
          />
        )}
      </div>
    </>
  );
}
