/**
 * Create or edit a policy. Editing first reads the policy for its ETag and sends it as If-Match,
 * so saving over someone else's change since is refused (412) rather than undoing it silently.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Dropdown,
  Field,
  Input,
  Option,
  Spinner,
  Switch,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { okWithResponse } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { ErrorBar } from '../../components/ErrorBar';
import { GuardedButton } from '../../components/GuardedButton';
import { useLoad } from '../../hooks/useLoad';
import { fieldErrorsOf, fieldErrorsOfProblems, fieldState, type FieldErrors } from '../../logic/fieldErrors';
import {
  newPolicyForm,
  policyBodyOf,
  policyFormOf,
  rpoHoursChoices,
  type Policy,
  type PolicyForm,
} from '../../logic/policyForm';

const useStyles = makeStyles({
  fields: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export type PolicyDialogTarget = { mode: 'new' } | { mode: 'edit'; policy: Policy };

export function PolicyDialog(props: {
  target: PolicyDialogTarget;
  allowedBackupRegions: readonly string[];
  onSaved: (policy: Policy, created: boolean) => void;
  onClose: () => void;
}) {
  const { api, session } = useSession();
  const { target } = props;
  const editing = target.mode === 'edit' ? target.policy : undefined;
  const current = useLoad(
    async (signal) => {
      if (!editing) return undefined;
      const { data, response } = await okWithResponse(
        api.GET('/api/tenants/{tenantId}/policies/{policyId}', {
          params: { path: { tenantId: session.tenantId, policyId: editing.id } },
          signal,
        }),
      );
      return { policy: data, etag: response.headers.get('etag') ?? undefined };
    },
    [api, session.tenantId, editing?.id],
  );
  const title = editing ? `Edit policy ${editing.name}` : 'New policy';
  return (
    <Dialog open onOpenChange={(_, data) => !data.open && props.onClose()}>
      <DialogSurface aria-describedby={undefined}>
        {editing && (current.loading || current.error) && !current.data ? (
          <DialogBody>
            <DialogTitle>{title}</DialogTitle>
            <DialogContent>
              {current.error ? <ErrorBar error={current.error} /> : <Spinner label="Reading the policy" />}
            </DialogContent>
            <DialogActions>
              <Button onClick={props.onClose}>Close</Button>
            </DialogActions>
          </DialogBody>
        ) : (
          <PolicyFormBody
            key={current.data?.etag ?? 'new'}
            title={title}
            existing={current.data?.policy}
            etag={current.data?.etag}
            allowedBackupRegions={props.allowedBackupRegions}
            onSaved={props.onSaved}
            onClose={props.onClose}
          />
        )}
      </DialogSurface>
    </Dialog>
  );
}

function PolicyFormBody(props: {
  title: string;
  existing?: Policy;
  etag?: string;
  allowedBackupRegions: readonly string[];
  onSaved: (policy: Policy, created: boolean) => void;
  onClose: () => void;
}) {
  const styles = useStyles();
  const { api, session } = useSession();
  const { existing } = props;
  const [form, setForm] = useState<PolicyForm>(() =>
    existing ? policyFormOf(existing) : newPolicyForm(props.allowedBackupRegions),
  );
  const [error, setError] = useState<Error>();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>(new Map());
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<PolicyForm>) => setForm((previous) => ({ ...previous, ...change }));
  // A policy's region the tenant no longer allows is still shown, so the dialog says what is stored.
  const regions = [...new Set([...props.allowedBackupRegions, ...(existing ? [existing.backupRegion] : [])])];

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const result = policyBodyOf(form, existing);
    if ('problems' in result) {
      // The dialog's few fields are all in view: the reason under the field is enough.
      setFieldErrors(fieldErrorsOfProblems(result.problems));
      setError(undefined);
      return;
    }
    setBusy(true);
    setError(undefined);
    setFieldErrors(new Map());
    try {
      const { data, response } = await okWithResponse(
        api.PUT('/api/tenants/{tenantId}/policies/{policyId}', {
          params: { path: { tenantId: session.tenantId, policyId: form.id } },
          body: result.body,
          ...(props.etag ? { headers: { 'if-match': props.etag } } : {}),
        }),
      );
      props.onSaved(data, response.status === 201);
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      setError(failure);
      setFieldErrors(fieldErrorsOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void save(event)}>
      <DialogBody>
        <DialogTitle>{props.title}</DialogTitle>
        <DialogContent className={styles.fields}>
          {error && <ErrorBar error={error} />}
          <Field
            label="Policy id"
            required={!existing}
            hint={
              existing
                ? 'A policy keeps its id.'
                : 'Letters, digits, dots, dashes or underscores, e.g. standard.'
            }
            {...fieldState(fieldErrors, 'path.policyId')}
          >
            <Input value={form.id} readOnly={!!existing} onChange={(_, data) => set({ id: data.value })} />
          </Field>
          <Field label="Name" required {...fieldState(fieldErrors, 'body.name')}>
            <Input value={form.name} onChange={(_, data) => set({ name: data.value })} />
          </Field>
          <Field
            label="Backup region"
            required
            hint="Where restore points are kept: one of the tenant's allowed backup regions."
            {...fieldState(fieldErrors, 'body.backupRegion')}
          >
            <Dropdown
              value={form.backupRegion}
              selectedOptions={[form.backupRegion]}
              onOptionSelect={(_, data) => set({ backupRegion: data.optionValue ?? '' })}
            >
              {regions.map((region) => (
                <Option key={region} value={region}>
                  {region}
                </Option>
              ))}
            </Dropdown>
          </Field>
          <Field
            label="RPO (hours)"
            required
            hint="The most a device's newest verified restore point may be behind."
            {...fieldState(fieldErrors, 'body.rpoHours')}
          >
            <Dropdown
              value={form.rpoHours}
              selectedOptions={[form.rpoHours]}
              onOptionSelect={(_, data) => set({ rpoHours: data.optionValue ?? form.rpoHours })}
            >
              {rpoHoursChoices.map((hours) => (
                <Option key={hours} value={String(hours)}>
                  {String(hours)}
                </Option>
              ))}
            </Dropdown>
          </Field>
          <Field
            label="Enabled"
            hint="A disabled policy takes no restore points."
            {...fieldState(fieldErrors, 'body.enabled')}
          >
            <Switch
              checked={form.enabled}
              label={form.enabled ? 'Yes' : 'No'}
              onChange={(_, data) => set({ enabled: data.checked })}
            />
          </Field>
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <GuardedButton
            operation="putPolicy"
            appearance="primary"
            type="submit"
            disabled={busy}
            icon={busy ? <Spinner size="tiny" /> : undefined}
          >
            Save policy
          </GuardedButton>
        </DialogActions>
      </DialogBody>
    </form>
  );
}
