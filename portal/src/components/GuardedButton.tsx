/**
 * A button for an API operation: disabled, with the reason shown beside it, when the admin's role
 * does not allow the operation — never hidden, so a reader sees what an operator could do.
 */
import { Button, Caption1, makeStyles, tokens, type ButtonProps } from '@fluentui/react-components';
import { useId } from 'react';
import type { OperationName } from '../api/requiredRoles';
import { useSession } from '../auth/SessionContext';

const useStyles = makeStyles({
  wrap: { display: 'inline-flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  reason: { color: tokens.colorNeutralForeground2 },
});

export function GuardedButton(props: ButtonProps & { operation: OperationName }) {
  const { operation, disabled, ...rest } = props;
  const styles = useStyles();
  const reasonId = useId();
  const refusal = useSession().refusal(operation);
  if (!refusal) return <Button {...rest} disabled={disabled} />;
  return (
    <span className={styles.wrap}>
      <Button {...rest} disabledFocusable aria-describedby={reasonId} />
      <Caption1 id={reasonId} className={styles.reason}>
        {refusal}
      </Caption1>
    </span>
  );
}
