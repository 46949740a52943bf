/**
 * For the platform admin: create a tenant or change its entitlement (name, licences, backup
 * regions, disk scopes). A tenant loaded by id is saved with its ETag as If-Match, so someone
 * else's change since is refused (412) rather than overwritten.
 */
import {
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Spinner,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowDownloadRegular, ArrowSyncRegular, SaveRegular } from '@fluentui/react-icons';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/ApiError';
import { okWithResponse } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { ErrorBar } from '../components/ErrorBar';
import { GuardedButton } from '../components/GuardedButton';
import { PageHeader } from '../components/PageHeader';
import {
  fieldErrorsOf,
  fieldErrorsOfProblems,
  fieldState,
  noFieldErrors,
  type FieldErrors,
} from '../logic/fieldErrors';
import {
  newTenantForm,
  tenantBodyOf,
  tenantFormOf,
  tenantIdOf,
  type Tenant,
  type TenantForm,
} from '../logic/tenantForm';
import { CheckFieldsBar } from './platform/CheckFieldsBar';
import { SavedTenant } from './platform/SavedTenant';
import { TenantFields } from './platform/TenantFields';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  // Top-aligned so the id's hint or message moves nothing; the buttons sit level with the input.
  idRow: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-start', gap: tokens.spacingHorizontalS },
  idButton: { marginTop: `calc(${tokens.lineHeightBase300} + ${tokens.spacingVerticalXXS} * 2)` },
  id: { flex: '1 1 24rem', maxWidth: '28rem' },
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalS,
    marginTop: tokens.spacingVerticalL,
  },
});

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function PlatformTenantPage() {
  const styles = useStyles();
  const { api } = useSession();
  const [form, setForm] = useState<TenantForm>(() => newTenantForm(crypto.randomUUID()));
  /** The tenant the form holds as read or saved, and its ETag. */
  const [stored, setStored] = useState<{ id: string; etag?: string }>();
  const [saved, setSaved] = useState<{ tenant: Tenant; created: boolean }>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<Error>();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>(noFieldErrors);
  const [busy, setBusy] = useState<'load' | 'save'>();
  /** How many fields kept the form from being sent. */
  const [unsent, setUnsent] = useState(0);
  const change = (value: Partial<TenantForm>) => setForm((previous) => ({ ...previous, ...value }));
  const id = tenantIdOf(form);

  const fail = (err: unknown) => {
    const failure = err instanceof Error ? err : new Error(String(err));
    setError(failure);
    setFieldErrors(fieldErrorsOf(failure));
  };
  const start = (what: 'load' | 'save') => {
    setBusy(what);
    setUnsent(0);
    setError(undefined);
    setNotice(undefined);
    setSaved(undefined);
    setFieldErrors(noFieldErrors);
  };
  const holdTenant = (tenant: Tenant, response: Response) => {
    setForm(tenantFormOf(tenant));
    setStored({ id: tenant.id, etag: response.headers.get('etag') ?? undefined });
  };

  const load = async () => {
    if (!guid.test(id)) {
      setFieldErrors(fieldErrorsOfProblems([{ field: 'path.tenantId', reason: 'must be a GUID' }]));
      return;
    }
    start('load');
    try {
      const { data, response } = await okWithResponse(
        api.GET('/api/platform/tenants/{tenantId}', { params: { path: { tenantId: id } } }),
      );
      holdTenant(data, response);
      setNotice(`Loaded tenant ${data.name}: change what you need and save.`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setStored(undefined);
        setNotice(`There is no tenant ${id} yet: fill in the fields and save to create it.`);
      } else fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const result = tenantBodyOf(form);
    if ('problems' in result) {
      setFieldErrors(fieldErrorsOfProblems(result.problems));
      setError(undefined);
      setUnsent(result.problems.length);
      return;
    }
    start('save');
    try {
      const etag = stored?.id === id ? stored.etag : undefined;
      const { data, response } = await okWithResponse(
        api.PUT('/api/platform/tenants/{tenantId}', {
          params: { path: { tenantId: id } },
          body: result.body,
          ...(etag ? { headers: { 'if-match': etag } } : {}),
        }),
      );
      holdTenant(data, response);
      setSaved({ tenant: data, created: response.status === 201 });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <PageHeader title="Tenants" />
      <form className={styles.form} onSubmit={(event) => void save(event)} aria-label="Tenant">
        <div role="status" aria-live="polite">
          {saved && <SavedTenant tenant={saved.tenant} created={saved.created} />}
          {notice && (
            <MessageBar intent="info">
              <MessageBarBody>{notice}</MessageBarBody>
            </MessageBar>
          )}
        </div>
        {error && <ErrorBar error={error} />}
        {unsent > 0 && <CheckFieldsBar count={unsent} />}
        <div className={styles.idRow}>
          <Field
            label="Tenant ID"
            required
            hint="The customer's Entra tenant id (a GUID). Load it to change an existing tenant."
            className={styles.id}
            {...fieldState(fieldErrors, 'path.tenantId')}
          >
            <Input value={form.id} onChange={(_, data) => change({ id: data.value })} />
          </Field>
          <Button
            className={styles.idButton}
            icon={<ArrowSyncRegular />}
            onClick={() => change({ id: crypto.randomUUID() })}
          >
            New id
          </Button>
          <GuardedButton
            className={styles.idButton}
            operation="getPlatformTenant"
            icon={busy === 'load' ? <Spinner size="tiny" /> : <ArrowDownloadRegular />}
            disabled={!!busy}
            onClick={() => void load()}
          >
            Load tenant
          </GuardedButton>
        </div>
        <TenantFields form={form} errors={fieldErrors} onChange={change} />
        <div className={styles.actions}>
          <GuardedButton
            operation="putPlatformTenant"
            appearance="primary"
            type="submit"
            icon={busy === 'save' ? <Spinner size="tiny" /> : <SaveRegular />}
            disabled={!!busy}
          >
            Save tenant
          </GuardedButton>
        </div>
      </form>
    </>
  );
}
