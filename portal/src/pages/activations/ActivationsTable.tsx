/** One page of the tenant's activations: each a link to its watch page, its state in words. */
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
import { describeScope } from '../../logic/activationStates';
import type { ActivationResource } from '../../logic/activationTypes';
import { formatTime } from '../../logic/durations';
import { href } from '../../routes';
import { ScrollRegion } from '../../components/ScrollRegion';
import { ActivationStateBadge } from './StateBadges';

const useStyles = makeStyles({
  table: { minWidth: '900px', '& td': { overflowWrap: 'anywhere' } },
  id: { width: '240px' },
  state: { width: '130px' },
});

/** When it last changed state, as far as the resource says. */
function endedAt(a: ActivationResource): string | undefined {
  return a.deactivatedAt ?? a.cancelledAt ?? a.completedAt;
}

export function ActivationsTable(props: { items: readonly ActivationResource[] }) {
  const styles = useStyles();
  return (
    <ScrollRegion wrapCells label="Activations, scrollable">
      <Table aria-label="Activations, newest first" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.id}>Activation</TableHeaderCell>
            <TableHeaderCell className={styles.state}>State</TableHeaderCell>
            <TableHeaderCell>Scope</TableHeaderCell>
            <TableHeaderCell>Requested by</TableHeaderCell>
            <TableHeaderCell>Requested</TableHeaderCell>
            <TableHeaderCell>Ended</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.items.map((a) => (
            <TableRow key={a.id}>
              <TableCell>
                <Link href={href(['activations', a.id])}>{a.id}</Link>
              </TableCell>
              <TableCell>
                <ActivationStateBadge state={a.state} />
              </TableCell>
              <TableCell>
                {describeScope(a.scope)}
                {a.recoverFirst.length > 0 ? ` · ${a.recoverFirst.length} first` : ''}
              </TableCell>
              <TableCell>{a.requestedBy}</TableCell>
              <TableCell>{formatTime(a.requestedAt)}</TableCell>
              <TableCell>{formatTime(endedAt(a))}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
