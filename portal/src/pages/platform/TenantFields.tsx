/**
 * The entitlement fields of a tenant: name, licences, allowed backup regions, disk scopes (page
 * blobs as rows; other kinds and the managed-disk settings as JSON), each with the API's errors.
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
        <Field
          label="Other disk scopes (JSON array)"
          hint='Managed disks, e.g. [{"kind":"managedDisk","armScope":"/subscriptions/{id}/resourceGroups/{name}"}]. Leave blank for none.'
          {...(otherScopes ? { validationMessage: otherScopes, validationState: 'error' as const } : {})}
        >
          <Textarea
            className={styles.json}
            resize="vertical"
            value={form.otherDiskScopes}
            onChange={(_, data) => onChange({ otherDiskScopes: data.value })}
          />
        </Field>
        <Field
          label="Backup resource groups (JSON object)"
          hint='Managed disks only: per backup region, resource groups for restore points, e.g. {"northeurope":["/subscriptions/{id}/resourceGroups/{name}"]}. Leave blank for none.'
          {...fieldState(errors, 'body.backupResourceGroups')}
        >
          <Textarea
            className={styles.json}
            resize="vertical"
            value={form.backupResourceGroups}
            onChange={(_, data) => onChange({ backupResourceGroups: data.value })}
          />
        </Field>
        <Field
          label="Backup disk encryption sets (JSON object)"
          hint="Managed disks with customer-managed keys only: per backup region, disk encryption set ids. Leave blank for none."
          {...fieldState(errors, 'body.backupDiskEncryptionSets')}
        >
          <Textarea
            className={styles.json}
            resize="vertical"
            value={form.backupDiskEncryptionSets}
            onChange={(_, data) => onChange({ backupDiskEncryptionSets: data.value })}
          />
        </Field>
      </div>
    </>
  );
}
