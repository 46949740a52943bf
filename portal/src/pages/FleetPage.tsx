/**
 * The fleet overview: what needs attention first (breached, then at-risk devices), the counts per
 * compliance status, per policy and per primary region, and capacity warnings. It refreshes every
 * minute by itself and says when it last did.
 */
import { Button, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowSyncRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { okWithResponse } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { CsvButton } from '../components/CsvButton';
import { ErrorBar } from '../components/ErrorBar';
import { PageHeader } from '../components/PageHeader';
import { clockTime } from '../logic/ages';
import { AttentionList } from './fleet/AttentionList';
import { BreakdownTable } from './fleet/BreakdownTable';
import { CapacityWarnings } from './fleet/CapacityWarnings';
import { StatusChart } from './fleet/StatusChart';
import { SummaryTiles } from './fleet/SummaryTiles';
import { useFleetOverview } from './fleet/useFleetOverview';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL },
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow2,
    minWidth: 0,
  },
  attention: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 30rem), 1fr))',
    gap: tokens.spacingHorizontalL,
  },
  updated: { alignSelf: 'center', color: tokens.colorNeutralForeground2 },
});

export function FleetPage() {
  const styles = useStyles();
  const { api, session } = useSession();
  const [generation, setGeneration] = useState(0);
  const { data, error } = useFleetOverview(generation);
  const now = data?.updatedAt.getTime() ?? 0;
  return (
    <div className={styles.page}>
      <PageHeader title="Fleet overview">
        <Text className={styles.updated} aria-live="polite">
          {data ? `Updated ${clockTime(data.updatedAt)}` : 'Loading…'}
        </Text>
        <Button icon={<ArrowSyncRegular />} onClick={() => setGeneration((g) => g + 1)}>
          Refresh
        </Button>
        <CsvButton
          label="Download CSV"
          fallbackName={`compliance-${session.tenantId}.csv`}
          load={() =>
            okWithResponse(
              api.GET('/api/tenants/{tenantId}/compliance', {
                params: { path: { tenantId: session.tenantId }, query: { format: 'csv' } },
                parseAs: 'blob',
              }),
            )
          }
        />
      </PageHeader>
      {error && <ErrorBar error={error} />}
      {!data ? (
        !error && <Spinner label="Loading the fleet's compliance" />
      ) : (
        <>
          <SummaryTiles report={data.report} now={now} />
          <CapacityWarnings warnings={data.report.capacityWarnings ?? []} />
          <div className={styles.attention}>
            <section className={styles.section} aria-labelledby="fleet-breached">
              <Text as="h2" size={500} weight="semibold" id="fleet-breached">
                Breached devices
              </Text>
              <AttentionList
                status="breached"
                rows={data.breached.rows}
                count={data.report.counts.breached}
                now={now}
              />
            </section>
            <section className={styles.section} aria-labelledby="fleet-at-risk">
              <Text as="h2" size={500} weight="semibold" id="fleet-at-risk">
                At-risk devices
              </Text>
              <AttentionList
                status="at-risk"
                rows={data.atRisk.rows}
                count={data.report.counts['at-risk']}
                now={now}
              />
            </section>
          </div>
          <section className={styles.section} aria-labelledby="fleet-status">
            <Text as="h2" size={500} weight="semibold" id="fleet-status">
              Devices per compliance status
            </Text>
            <StatusChart counts={data.report.counts} total={data.report.total} />
          </section>
          <section className={styles.section} aria-labelledby="fleet-policies">
            <Text as="h2" size={500} weight="semibold" id="fleet-policies">
              Per policy
            </Text>
            <BreakdownTable
              label="Devices per policy and compliance status"
              keyHeader="Policy"
              rows={data.report.byPolicy.map((p) => ({
                key: p.policyId,
                name: `${p.policyId} · RPO ${p.rpoHours} h${p.enabled ? '' : ' · disabled'}`,
                filter: { policyId: p.policyId },
                total: p.total,
                counts: p.counts,
              }))}
            />
          </section>
          <section className={styles.section} aria-labelledby="fleet-regions">
            <Text as="h2" size={500} weight="semibold" id="fleet-regions">
              Per primary region
            </Text>
            <BreakdownTable
              label="Devices per primary region and compliance status"
              keyHeader="Primary region"
              rows={data.report.byPrimaryRegion.map((r) => ({
                key: r.primaryRegion,
                name: r.primaryRegion,
                filter: { primaryRegion: r.primaryRegion },
                total: r.total,
                counts: r.counts,
              }))}
            />
          </section>
        </>
      )}
    </div>
  );
}
