/**
 * The entitlement fields of a tenant: name, licences, allowed backup regions, disk scopes (page
 * blobs as rows; other kinds and the managed-disk settings as JSON) and the Azure directory of its
 * managed disks, each with the API's errors.
 */
import { Field, Input, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { fieldState, type FieldErrors } from '../../logic/fieldErrors';
import { otherScopesMessage, tenantIdOf, type TenantForm } from '../../logic/tenantForm';
import { PageBlobScopeRows } from './PageBlobScopeRows';

const useStyles = makeStyles({
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    maxWidth: '48rem',
    // The JSON examples in hints have no spaces to wrap at: at phone width they would widen the page.
    overflowWrap: 'anywhere',
  },
  heading: { marginTop: tokens.spacingVerticalL },
  json: { fontFamily: tokens.fontFamilyMonospace },
});

export function TenantFields(props: {
  form: TenantForm;
  errors: FieldErrors;
  onChange: (change: Partial<TenantForm>) => void;
}) {
  const styles = useStyles();
  const { form, errors, onChange } = props;
  const otherScopes = otherScopesMessage(errors, form);
  return (
    <>
      <div className={styles.section}>
        <Field label="Name" required {...fieldState(errors, 'body.name')}>
          <Input value={form.name} onChange={(_, data) => onChange({ name: data.value })} />
        </Field>
        <Field
          label="Licences"
          required
          hint="How many of its devices may be protected."
          {...fieldState(errors, 'body.licences')}
        >
          <Input
            inputMode="numeric"
            value={form.licences}
            onChange={(_, data) => onChange({ licences: data.value })}
          />
        </Field>
        <Field
          label="Allowed backup regions"
          required
          hint="Where its restore points may be kept, separated by commas, e.g. northeurope."
          {...fieldState(errors, 'body.allowedBackupRegions')}
        >
          <Input
            value={form.allowedBackupRegions}
            onChange={(_, data) => onChange({ allowedBackupRegions: data.value })}
          />
        </Field>
      </div>
      <Text as="h2" size={500} weight="semibold" block className={styles.heading}>
        Disk scopes
      </Text>
      <Text block>
        The only places the tenant's disks may be; never overlapping another tenant's. A page-blob scope is a
        container in a region, optionally only the blobs under a name prefix (in the embedded runtime:
        westeurope, disks and the tenant id).
      </Text>
      <div className={styles.section}>
        <PageBlobScopeRows
          rows={form.pageBlobScopes}
          tenantId={tenantIdOf(form)}
          errors={errors}
          onChange={(pageBlobScopes) => onChange({ pageBlobScopes })}
        />
        <JsonField
          label="Other disk scopes (JSON array)"
          hint='Managed disks, e.g. [{"kind":"managedDisk","armScope":"/subscriptions/{id}/resourceGroups/{name}"}]. Leave blank for none.'
          state={otherScopes ? { validationMessage: otherScopes, validationState: 'error' } : {}}
          value={form.otherDiskScopes}
          onChange={(otherDiskScopes) => onChange({ otherDiskScopes })}
        />
        <JsonField
          label="Backup resource groups (JSON object)"
          hint='Managed disks only: per backup region, resource groups for restore points, e.g. {"northeurope":["/subscriptions/{id}/resourceGroups/{name}"]}. Leave blank for none.'
          state={fieldState(errors, 'body.backupResourceGroups')}
          value={form.backupResourceGroups}
          onChange={(backupResourceGroups) => onChange({ backupResourceGroups })}
        />
        <JsonField
          label="Backup disk encryption sets (JSON object)"
          hint="Managed disks with customer-managed keys only: per backup region, disk encryption set ids. Leave blank for none."
          state={fieldState(errors, 'body.backupDiskEncryptionSets')}
          value={form.backupDiskEncryptionSets}
          onChange={(backupDiskEncryptionSets) => onChange({ backupDiskEncryptionSets })}
        />
        <Field
          label="Azure directory (Entra tenant ID)"
          hint="Managed disks only: the directory their subscriptions are in when it is not this deployment's own, reached through the multi-tenant app registration the customer has consented to. Leave blank for this deployment's own directory."
          {...fieldState(errors, 'body.azureDirectoryId')}
        >
          <Input
            className={styles.json}
            value={form.azureDirectoryId}
            onChange={(_, data) => onChange({ azureDirectoryId: data.value })}
          />
        </Field>
      </div>
    </>
  );
}

/** A labelled JSON text box for the entitlement's less common parts, with its validation. */
function JsonField(props: {
  label: string;
  hint: string;
  state: ReturnType<typeof fieldState>;
  value: string;
  onChange: (value: string) => void;
}) {
  const styles = useStyles();
  return (
    <Field label={props.label} hint={props.hint} {...props.state}>
      <Textarea
        className={styles.json}
        resize="vertical"
        value={props.value}
        onChange={(_, data) => props.onChange(data.value)}
      />
    </Field>
  );
}
