/**
 * One page of the devices that need attention (breached, or at risk), worst first as the API
 * sorts them, each linking to its device, and a link to the Devices page showing all of them.
 */
import {
  Link,
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
import { ageText } from '../../logic/ages';
import { statusLabel, type ComplianceStatus } from '../../logic/complianceStatus';
import { defaultView, queryOfView } from '../../logic/deviceListView';
import { href } from '../../routes';
import type { ComplianceRow } from './fleetTypes';
import { ScrollRegion } from '../../components/ScrollRegion';

const useStyles = makeStyles({
  // Columns sized by their content (Fluent's default shares the width equally and clips names).
  table: { tableLayout: 'auto', minWidth: '34rem' },
  footer: { display: 'block', marginTop: tokens.spacingVerticalS },
});

export function AttentionList(props: {
  status: Extract<ComplianceStatus, 'breached' | 'at-risk'>;
  rows: ComplianceRow[];
  /** How many devices have this status in all. */
  count: number;
  now: number;
}) {
  const styles = useStyles();
  const label = statusLabel(props.status);
  const allHref = href(
    ['devices'],
    queryOfView({ ...defaultView, status: props.status, sort: 'lastVerifiedAt' }),
  );
  const noun = props.status === 'breached' ? 'breached' : 'at-risk';
  if (props.count === 0 && props.rows.length === 0)
    return <Text>{props.status === 'breached' ? 'No device is breached.' : 'No device is at risk.'}</Text>;
  return (
    <>
      <ScrollRegion label={`${label} devices, scrollable`}>
        <Table size="small" aria-label={`${label} devices`} className={styles.table}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Device</TableHeaderCell>
              <TableHeaderCell>User</TableHeaderCell>
              <TableHeaderCell>Policy</TableHeaderCell>
              <TableHeaderCell>Last verified point</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {props.rows.map((row) => (
              <TableRow key={row.deviceId}>
                <TableCell>
                  <Link href={href(['devices', row.deviceId])}>{row.deviceId}</Link>
                </TableCell>
                <TableCell>{row.upn}</TableCell>
                <TableCell>
                  {row.policyId} (RPO {row.rpoHours} h)
                </TableCell>
                <TableCell>{ageText(row.lastVerifiedAt, props.now) || 'never'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </ScrollRegion>
      <Link className={styles.footer} href={allHref}>
        All {props.count.toLocaleString()} {noun} devices
      </Link>
    </>
  );
}
