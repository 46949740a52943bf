/**
 * Policies whose RPO the tenant's subscriptions cannot meet for managed disks, in the API's words
 * (its message says what is needed and what it assumed).
 */
import { MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import type { CapacityWarning } from './fleetTypes';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

export function CapacityWarnings(props: { warnings: CapacityWarning[] }) {
  const styles = useStyles();
  if (props.warnings.length === 0) return null;
  return (
    <section className={styles.list} aria-label="Capacity warnings">
      {props.warnings.map((w) => (
        <MessageBar
          key={`${w.policyId}:${w.backupRegion}`}
          intent={w.feasible ? 'warning' : 'error'}
          layout="multiline"
        >
          <MessageBarBody>
            <MessageBarTitle>
              {w.feasible
                ? `Policy ${w.policyId} needs more subscriptions in ${w.backupRegion}`
                : `Policy ${w.policyId}: its ${w.rpoHours} h RPO cannot be met`}
            </MessageBarTitle>
            {w.message}
          </MessageBarBody>
        </MessageBar>
      ))}
    </section>
  );
}
