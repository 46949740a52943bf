/**
 * The activation's devices in one state (failed, waiting for capacity, skipped), one page at a
 * time, each with the reason the API gives. Reloaded when that state's count moves.
 */
import {
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { ErrorBar } from '../../components/ErrorBar';
import { recoveryStateLabels, skipReasonLabel } from '../../logic/activationStates';
import type { RecoveryRow, RecoveryState } from '../../logic/activationTypes';
import { formatTime } from '../../logic/durations';
import { Pager } from '../../components/Pager';
import { ScrollRegion } from '../../components/ScrollRegion';
import { usePagedList } from './usePagedList';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  table: { minWidth: '760px' },
  // The reason is the column read; numbers need little room.
  narrow: { width: '80px' },
  reason: { width: '36%' },
});

const pageSize = 20;

function reasonOf(row: RecoveryRow): string {
  if (row.skipReason) return skipReasonLabel(row.skipReason);
  return row.reason ?? '—';
}

export interface ActivationDevicesTableProps {
  activationId: string;
  state: RecoveryState;
  /** The state's count in the latest report: a change reloads the page shown. */
  count: number;
}

export function ActivationDevicesTable(props: ActivationDevicesTableProps) {
  const styles = useStyles();
  const { api, session } = useSession();
  const tenantId = session.tenantId;
  const { activationId, state } = props;
  const title = recoveryStateLabels[state];
  const list = usePagedList(
    (continuationToken, signal) =>
      ok(
        api.GET('/api/tenants/{tenantId}/activations/{activationId}/devices', {
          params: {
            path: { tenantId, activationId },
            query: { state, pageSize, ...(continuationToken ? { continuationToken } : {}) },
          },
          signal,
        }),
      ),
    [tenantId, activationId, state],
    props.count,
  );
  const headingId = `devices-${state}`;
  return (
    <section className={styles.section} aria-labelledby={headingId}>
      <Text as="h2" id={headingId} size={500} weight="semibold">
        {title} ({props.count.toLocaleString('en-US')})
      </Text>
      {list.error && <ErrorBar error={list.error} />}
      {!list.page && list.loading && (
        <Spinner size="small" label={`Loading ${title.toLowerCase()} devices`} />
      )}
      {list.page && (
        <ScrollRegion wrapCells label={`${title} devices, scrollable`}>
          <Table aria-label={`${title} devices`} size="small" className={styles.table}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Device</TableHeaderCell>
                <TableHeaderCell>User</TableHeaderCell>
                <TableHeaderCell className={styles.narrow}>Wave</TableHeaderCell>
                <TableHeaderCell className={styles.narrow}>Attempts</TableHeaderCell>
                <TableHeaderCell className={styles.reason}>Reason</TableHeaderCell>
                <TableHeaderCell>Dispatched</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.page.items.map((row) => (
                <TableRow key={row.deviceId}>
                  <TableCell>{row.deviceId}</TableCell>
                  <TableCell>{row.upn}</TableCell>
                  <TableCell>{row.wave}</TableCell>
                  <TableCell>{row.attempts}</TableCell>
                  <TableCell>{reasonOf(row)}</TableCell>
                  <TableCell>{formatTime(row.dispatchedAt)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollRegion>
      )}
      {(list.hasNext || list.hasPrevious) && (
        <Pager
          label={`${title} devices pages`}
          of={`${title.toLowerCase()} devices`}
          pageNumber={list.pageNumber}
          hasPrevious={list.hasPrevious}
          hasNext={list.hasNext}
          onPrevious={list.previous}
          onNext={list.next}
          busy={list.loading}
        />
      )}
    </section>
  );
}
