/** A device's restore points, newest first as the API lists them, each saying whether it was verified. */
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
import { byteSize, formatAge } from '../../logic/ages';
import { formatTime } from '../../logic/durations';
import type { RestorePoint } from './deviceTypes';
import { ScrollRegion } from '../../components/ScrollRegion';

const useStyles = makeStyles({
  table: { tableLayout: 'auto', minWidth: '40rem' },
  nowrap: { whiteSpace: 'nowrap' },
});

export function RestorePointsTable(props: { points: RestorePoint[] }) {
  const styles = useStyles();
  return (
    // Focusable, so a keyboard can scroll it on a narrow screen (nothing in it takes focus).
    <ScrollRegion label="Restore points table, scrollable">
      <Table size="small" aria-label="Restore points, newest first" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Taken</TableHeaderCell>
            <TableHeaderCell>Age</TableHeaderCell>
            <TableHeaderCell>Kind</TableHeaderCell>
            <TableHeaderCell>Verification</TableHeaderCell>
            <TableHeaderCell>Size</TableHeaderCell>
            <TableHeaderCell>Region</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.points.map((p) => (
            <TableRow key={p.name}>
              <TableCell className={styles.nowrap}>{formatTime(p.takenAt)}</TableCell>
              <TableCell className={styles.nowrap}>{formatAge(p.ageMinutes)}</TableCell>
              <TableCell>{p.kind === 'manual' ? 'Manual' : 'Scheduled'}</TableCell>
              <TableCell>
                {p.verified ? (
                  <Badge appearance="tint" color="success" shape="rounded">
                    Verified
                  </Badge>
                ) : (
                  <Badge appearance="tint" color="warning" shape="rounded">
                    Not verified: copying, or failed
                  </Badge>
                )}
              </TableCell>
              <TableCell className={styles.nowrap}>{byteSize(p.sizeBytes)}</TableCell>
              <TableCell>{p.region}</TableCell>
            </TableRow>
          ))}
          {props.points.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>No restore point yet.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
