/** One page of audit records, newest first: when, what, how it ended, who, on what. */
import {
  Badge,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
} from '@fluentui/react-components';
import type { paths } from '../../api/schema';
import { actorText, targetText } from '../../logic/auditRecordText';
import { ScrollRegion } from '../../components/ScrollRegion';

export type AuditRecord =
  paths['/api/tenants/{tenantId}/audit']['get']['responses'][200]['content']['application/json']['records'][number];

const useStyles = makeStyles({
  table: { minWidth: '1100px' },
  nowrap: { whiteSpace: 'nowrap' },
  code: { overflowWrap: 'anywhere' },
  time: { width: '12%' },
  action: { width: '17%' },
  outcome: { width: '11%' },
  actor: { width: '13%' },
  target: { width: '16%' },
  detail: { width: '11%' },
  region: { width: '8%' },
  correlation: { width: '12%' },
});

const outcomeColor = { succeeded: 'success', refused: 'warning', failed: 'danger' } as const;

export function AuditTable(props: { records: readonly AuditRecord[]; tenantId: string }) {
  const styles = useStyles();
  return (
    <ScrollRegion label="Audit records, scrollable">
      <Table aria-label="Audit records" size="small" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.time}>Time</TableHeaderCell>
            <TableHeaderCell className={styles.action}>Action</TableHeaderCell>
            <TableHeaderCell className={styles.outcome}>Outcome</TableHeaderCell>
            <TableHeaderCell className={styles.actor}>Actor</TableHeaderCell>
            <TableHeaderCell className={styles.target}>Target</TableHeaderCell>
            <TableHeaderCell className={styles.detail}>Detail</TableHeaderCell>
            <TableHeaderCell className={styles.region}>Region</TableHeaderCell>
            <TableHeaderCell className={styles.correlation}>Correlation id</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.records.map((record) => (
            <TableRow key={record.id}>
              <TableCell>
                <time dateTime={record.at}>{new Date(record.at).toLocaleString()}</time>
              </TableCell>
              <TableCell className={styles.code}>
                <code>{record.action}</code>
              </TableCell>
              <TableCell>
                <Badge
                  appearance="tint"
                  shape="rounded"
                  className={styles.nowrap}
                  color={outcomeColor[record.outcome]}
                >
                  {record.outcome}
                  {record.status === undefined ? '' : ` (${record.status})`}
                </Badge>
              </TableCell>
              <TableCell>{actorText(record.actor)}</TableCell>
              <TableCell className={styles.code}>
                <code title={record.target}>{targetText(record.target, props.tenantId)}</code>
              </TableCell>
              <TableCell>{record.detail}</TableCell>
              <TableCell>{record.region}</TableCell>
              <TableCell className={styles.code}>
                {record.correlationId && <code>{record.correlationId}</code>}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
