/**
 * Deactivate: every temporary Cloud PC of the activation is deleted with its disk and users go back
 * to their own. The warning says plainly what that costs users, since it cannot be undone.
 */
import { MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { PowerRegular } from '@fluentui/react-icons';
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { ConfirmDialog } from './ConfirmDialog';

export function DeactivateButton(props: {
  activationId: string;
  disabled: boolean;
  stillRecovering: boolean;
  onDone: () => void;
}) {
  const { api, session } = useSession();
  const { activationId } = props;
  return (
    <ConfirmDialog
      operation="deactivateRecovery"
      label="Deactivate"
      icon={<PowerRegular />}
      disabled={props.disabled}
      title="Deactivate disaster recovery?"
      confirmLabel="Deactivate and delete temporary Cloud PCs"
      dismissLabel="Not yet"
      onConfirm={async () => {
        await ok(
          api.POST('/api/tenants/{tenantId}/activations/{activationId}/deactivate', {
            params: { path: { tenantId: session.tenantId, activationId } },
          }),
        );
        props.onDone();
      }}
    >
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>Nothing users did on their temporary Cloud PCs is kept.</MessageBarTitle>
          The temporary Cloud PCs are deleted with their disks. Files saved on them, settings changed and apps
          installed since the activation are not copied back and cannot be recovered.
        </MessageBarBody>
      </MessageBar>
      <Text block>
        Users go back to their own Cloud PCs, as they were at the outage. Before you deactivate, ask them to
        save anything they need somewhere outside the Cloud PC, such as OneDrive or SharePoint.
        {props.stillRecovering && ' Recovery still in progress stops.'}
      </Text>
    </ConfirmDialog>
  );
}
