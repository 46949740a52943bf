/**
 * The last step: the admin types the name of what the activation takes over (activationConfirmation.ts
 * says which and why) before Activate is enabled.
 */
import { Field, Input, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { ShieldCheckmarkRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { GuardedButton } from '../../components/GuardedButton';
import { isConfirmed, type ConfirmationRule } from '../../logic/activationConfirmation';

const useStyles = makeStyles({
  row: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: tokens.spacingHorizontalM },
  field: { flex: '1 1 260px', maxWidth: '420px' },
});

export interface ConfirmActivationProps {
  rule: ConfirmationRule;
  /** Why Activate stays disabled whatever is typed (nothing to recover), if so. */
  blocked?: string;
  busy: boolean;
  onActivate: () => void;
}

export function ConfirmActivation(props: ConfirmActivationProps) {
  const styles = useStyles();
  const [typed, setTyped] = useState('');
  const confirmed = isConfirmed(typed, props.rule);
  return (
    <div className={styles.row}>
      <Field
        className={styles.field}
        label={`To confirm, type ${props.rule.what}: ${props.rule.phrase}`}
        hint={props.blocked ?? 'Activate is enabled once it matches exactly.'}
      >
        <Input
          value={typed}
          onChange={(_, data) => setTyped(data.value)}
          autoComplete="off"
          spellCheck={false}
          disabled={props.busy}
        />
      </Field>
      <GuardedButton
        operation="activateRecovery"
        appearance="primary"
        icon={props.busy ? <Spinner size="tiny" /> : <ShieldCheckmarkRegular />}
        disabled={!confirmed || props.busy || props.blocked !== undefined}
        onClick={props.onActivate}
      >
        {props.busy ? 'Activating…' : 'Activate'}
      </GuardedButton>
    </div>
  );
}
