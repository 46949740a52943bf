/** Cancel: nothing more is started; what is recovered stays until deactivated. */
import { Text } from '@fluentui/react-components';
import { DismissCircleRegular } from '@fluentui/react-icons';
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { ConfirmDialog } from './ConfirmDialog';

export function CancelActivationButton(props: {
  activationId: string;
  disabled: boolean;
  onDone: () => void;
}) {
  const { api, session } = useSession();
  const { activationId } = props;
  return (
    <ConfirmDialog
      operation="cancelActivation"
      label="Cancel activation"
      icon={<DismissCircleRegular />}
      disabled={props.disabled}
      title="Cancel this activation?"
      confirmLabel="Cancel the activation"
      dismissLabel="Keep recovering"
      onConfirm={async () => {
        await ok(
          api.POST('/api/tenants/{tenantId}/activations/{activationId}/cancel', {
            params: { path: { tenantId: session.tenantId, activationId } },
          }),
        );
        props.onDone();
      }}
    >
      <Text block>
        No more devices will be started. Users whose temporary Cloud PCs are ready keep them until you
        deactivate; devices still waiting for capacity stop waiting, and users not yet recovered get no
        temporary Cloud PC.
      </Text>
    </ConfirmDialog>
  );
}
