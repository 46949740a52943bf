/** One page of devices: each links to its detail, with its status in words and its last verified point. */
import {
  Caption1,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { StatusBadge } from '../../components/StatusBadge';
import { ageText } from '../../logic/ages';
import { formatTime } from '../../logic/durations';
import { href } from '../../routes';
import type { DeviceListItem } from './deviceTypes';
import { ScrollRegion } from '../../components/ScrollRegion';

const useStyles = makeStyles({
  // Columns sized by their content (Fluent's default shares the width equally and clips ids and
  // names); on a narrow screen the wrapper scrolls rather than wrapping every cell.
  table: { tableLayout: 'auto', minWidth: '56rem' },
  status: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalXXS,
  },
  note: { color: tokens.colorNeutralForeground2 },
});

export function DeviceTable(props: { devices: DeviceListItem[]; now: number; caption: string }) {
  const styles = useStyles();
  return (
    <ScrollRegion label={`${props.caption}, scrollable`}>
      <Table size="small" aria-label={props.caption} className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Device</TableHeaderCell>
            <TableHeaderCell>User</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Last verified point</TableHeaderCell>
            <TableHeaderCell>Policy</TableHeaderCell>
            <TableHeaderCell>Tier</TableHeaderCell>
            <TableHeaderCell>Primary region</TableHeaderCell>
            <TableHeaderCell>Backup region</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.devices.map((d) => (
            <TableRow key={d.id}>
              <TableCell>
                <Link href={href(['devices', d.id])}>{d.id}</Link>
              </TableCell>
              <TableCell>{d.upn}</TableCell>
              <TableCell>
                <span className={styles.status}>
                  <StatusBadge status={d.status} />
                  {d.protectionBlocked && (
                    <Caption1 className={styles.note}>Blocked: disk outside the disk scopes</Caption1>
                  )}
                </span>
              </TableCell>
              <TableCell>
                {d.lastVerifiedAt ? (
                  <span title={formatTime(d.lastVerifiedAt)}>{ageText(d.lastVerifiedAt, props.now)}</span>
                ) : (
                  'never'
                )}
              </TableCell>
              <TableCell>
                {d.policyId} (RPO {d.rpoHours} h)
              </TableCell>
              <TableCell>{d.priorityTier}</TableCell>
              <TableCell>{d.primaryRegion}</TableCell>
              <TableCell>{d.backupRegion}</TableCell>
            </TableRow>
          ))}
          {props.devices.length === 0 && (
            <TableRow>
              <TableCell colSpan={8}>No device matches these filters.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
