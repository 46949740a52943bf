/** The tenant as the API saved it, and what the platform admin does next. */
import { Button, MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { useSession } from '../../auth/SessionContext';
import type { Tenant } from '../../logic/tenantForm';

function scopeText(scope: Tenant['diskScopes'][number]): string {
  if (scope.kind === 'pageBlob')
    return `page blobs in ${scope.region}, container ${scope.container}${scope.prefix ? `, under ${scope.prefix}/` : ''}`;
  return `managed disks under ${scope.armScope}`;
}

export function SavedTenant(props: { tenant: Tenant; created: boolean }) {
  const { signOut } = useSession();
  const { tenant } = props;
  return (
    <MessageBar intent="success" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{props.created ? 'Tenant created' : 'Tenant saved'}</MessageBarTitle>
        <Text block>
          {tenant.name} (<code>{tenant.id}</code>): {tenant.licences} licences, backups in{' '}
          {tenant.allowedBackupRegions.join(', ')}.
        </Text>
        <Text block>
          Disk scopes:{' '}
          {tenant.diskScopes.length === 0
            ? 'none yet (no disk can be protected)'
            : tenant.diskScopes.map(scopeText).join('; ')}
          .
        </Text>
        {tenant.azureDirectoryId && (
          <Text block>
            Its managed disks are reached in Azure directory <code>{tenant.azureDirectoryId}</code>, as this
            deployment's multi-tenant app.
          </Text>
        )}
        <Text block>
          Next: sign out and sign in as the tenant's DR.Admin, with tenant ID <code>{tenant.id}</code>, to
          create its policies and import its devices. A platform admin has no access to a tenant's data.
        </Text>
        <Button size="small" onClick={signOut}>
          Sign out
        </Button>
      </MessageBarBody>
    </MessageBar>
  );
}
