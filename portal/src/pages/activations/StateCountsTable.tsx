/** How many of the activation's devices are in each state, every state listed. */
import {
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
} from '@fluentui/react-components';
import { recoveryStates } from '../../logic/activationStates';
import type { ActivationReport } from '../../logic/activationTypes';
import { RecoveryStateBadge } from './StateBadges';

const useStyles = makeStyles({
  table: { maxWidth: '420px' },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
});

export function StateCountsTable(props: { counts: ActivationReport['counts']; total: number }) {
  const styles = useStyles();
  return (
    <Table aria-label="Devices per state" size="small" className={styles.table}>
      <TableHeader>
        <TableRow>
          <TableHeaderCell>State</TableHeaderCell>
          <TableHeaderCell className={styles.number}>Devices</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {recoveryStates.map((state) => (
          <TableRow key={state} data-state={state}>
            <TableCell>
              <RecoveryStateBadge state={state} />
            </TableCell>
            <TableCell className={styles.number}>{props.counts[state].toLocaleString('en-US')}</TableCell>
          </TableRow>
        ))}
        <TableRow>
          <TableCell>Total</TableCell>
          <TableCell className={styles.number}>{props.total.toLocaleString('en-US')}</TableCell>
        </TableRow>
      </TableBody>
    </Table>
  );
}
