/**
 * The fleet's counts per status, broken down by a key (a policy, a primary region): a row per key,
 * a column per status in the order that needs attention first, each count linking to the Devices
 * page filtered to those devices.
 */
import {
  Link,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { complianceStatuses, statusLabel, type StatusCounts } from '../../logic/complianceStatus';
import { queryOfView, defaultView, type DeviceListView } from '../../logic/deviceListView';
import { href } from '../../routes';
import { ScrollRegion } from '../../components/ScrollRegion';

const useStyles = makeStyles({
  // Narrower than this the columns crush their headings; the wrapper scrolls instead.
  table: { tableLayout: 'auto', minWidth: '46rem' },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  // A header cell's text sits in a flex box of its own.
  numberHeader: { '& > *': { justifyContent: 'flex-end', textAlign: 'right' } },
});

export interface BreakdownRow {
  key: string;
  /** What the first cell shows (the key, with more if there is more to say). */
  name: ReactNode;
  /** The Devices page's filter for this row's devices. */
  filter: Partial<DeviceListView>;
  total: number;
  counts: StatusCounts;
}

export function BreakdownTable(props: { label: string; keyHeader: string; rows: BreakdownRow[] }) {
  const styles = useStyles();
  const devicesHref = (filter: Partial<DeviceListView>) =>
    href(['devices'], queryOfView({ ...defaultView, ...filter }));
  return (
    <ScrollRegion label={`${props.label}, scrollable`}>
      <Table size="small" aria-label={props.label} className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{props.keyHeader}</TableHeaderCell>
            <TableHeaderCell className={styles.numberHeader}>Devices</TableHeaderCell>
            {complianceStatuses.map((status) => (
              <TableHeaderCell key={status} className={styles.numberHeader}>
                {statusLabel(status)}
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.rows.map((row) => (
            <TableRow key={row.key}>
              <TableCell>{row.name}</TableCell>
              <TableCell className={styles.number}>
                <Link href={devicesHref(row.filter)}>{row.total.toLocaleString()}</Link>
              </TableCell>
              {complianceStatuses.map((status) => (
                <TableCell key={status} className={styles.number}>
                  {row.counts[status] > 0 ? (
                    <Link
                      href={devicesHref({ ...row.filter, status })}
                      aria-label={`${row.counts[status]} ${statusLabel(status).toLowerCase()} in ${row.key}`}
                    >
                      {row.counts[status].toLocaleString()}
                    </Link>
                  ) : (
                    '0'
                  )}
                </TableCell>
              ))}
            </TableRow>
          ))}
          {props.rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={complianceStatuses.length + 2}>No devices yet.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
