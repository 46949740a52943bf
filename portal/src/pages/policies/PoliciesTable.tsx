/** The tenant's policies, each with its edit and "take restore points now" actions. */
import {
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
import { EditRegular } from '@fluentui/react-icons';
import { GuardedButton } from '../../components/GuardedButton';
import type { Policy } from '../../logic/policyForm';
import type { PolicyPointsAnswer } from '../../logic/policyPointsSummary';
import { href } from '../../routes';
import { TakePointsButton } from './TakePointsButton';
import { ScrollRegion } from '../../components/ScrollRegion';

const useStyles = makeStyles({
  table: { minWidth: '760px' },
  name: { width: '22%' },
  region: { width: '14%' },
  narrow: { width: '11%' },
  actionsColumn: { width: '31%' },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalS,
    alignItems: 'flex-start',
    paddingBlock: tokens.spacingVerticalXS,
  },
});

export function PoliciesTable(props: {
  policies: readonly Policy[];
  devicesByPolicy: ReadonlyMap<string, number>;
  onEdit: (policy: Policy) => void;
  onPointsAnswer: (policy: Policy, answer: PolicyPointsAnswer) => void;
  onPointsError: (policy: Policy, error: Error) => void;
}) {
  const styles = useStyles();
  return (
    <ScrollRegion label="Policies, scrollable">
      <Table aria-label="Policies" className={styles.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.name}>Name</TableHeaderCell>
            <TableHeaderCell className={styles.region}>Backup region</TableHeaderCell>
            <TableHeaderCell className={styles.narrow}>RPO (hours)</TableHeaderCell>
            <TableHeaderCell className={styles.narrow}>Enabled</TableHeaderCell>
            <TableHeaderCell className={styles.narrow}>Devices</TableHeaderCell>
            <TableHeaderCell className={styles.actionsColumn}>Actions</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.policies.map((policy) => {
            const devices = props.devicesByPolicy.get(policy.id) ?? 0;
            return (
              <TableRow key={policy.id}>
                <TableCell>
                  {policy.name} <code>({policy.id})</code>
                </TableCell>
                <TableCell>{policy.backupRegion}</TableCell>
                <TableCell>{policy.rpoHours}</TableCell>
                <TableCell>{policy.enabled ? 'Yes' : 'No (no restore points taken)'}</TableCell>
                <TableCell>
                  <Link
                    href={href(['devices'], { policy: policy.id })}
                    aria-label={`${devices} devices of ${policy.name}`}
                  >
                    {devices}
                  </Link>
                </TableCell>
                <TableCell>
                  <div className={styles.actions}>
                    <GuardedButton
                      operation="putPolicy"
                      size="small"
                      icon={<EditRegular />}
                      aria-label={`Edit ${policy.name}`}
                      onClick={() => props.onEdit(policy)}
                    >
                      Edit
                    </GuardedButton>
                    <TakePointsButton
                      policy={policy}
                      onAnswer={(answer) => props.onPointsAnswer(policy, answer)}
                      onError={(error) => props.onPointsError(policy, error)}
                    />
                  </div>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
