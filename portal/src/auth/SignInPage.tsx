/**
 * Sign-in. In Azure, Microsoft Entra ID; in the embedded runtime, a development sign-in that asks
 * for tenant, user and role and gets a token from the local issuer (`POST /local/sign-in`, which
 * exists only there, on loopback).
 */
import {
  Button,
  Card,
  CardHeader,
  Dropdown,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Option,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useState, type FormEvent } from 'react';
import { apiErrorOf } from '../api/ApiError';
import { ErrorBar } from '../components/ErrorBar';
import { entraTokenIfSignedIn, startEntraSignIn } from './entraSignIn';
import type { PortalConfig } from './portalConfig';
import { sessionOfToken, type Session } from './session';

const roles = ['DR.Reader', 'DR.Operator', 'DR.Admin', 'DR.PlatformAdmin'] as const;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const useStyles = makeStyles({
  page: { display: 'flex', justifyContent: 'center', padding: tokens.spacingVerticalXXL },
  card: { width: '100%', maxWidth: '480px' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export function SignInPage(props: {
  config: PortalConfig;
  onSignedIn: (session: Session) => void;
  endedBecause?: string;
}) {
  const styles = useStyles();
  return (
    <main className={styles.page}>
      <Card className={styles.card}>
        <CardHeader
          header={
            <Text as="h1" size={600} weight="semibold">
              Cloud PC disaster recovery
            </Text>
          }
        />
        {props.endedBecause && (
          <MessageBar intent="warning">
            <MessageBarBody>{props.endedBecause}</MessageBarBody>
          </MessageBar>
        )}
        {props.config.signIn === 'local' ? (
          <LocalSignIn onSignedIn={props.onSignedIn} />
        ) : (
          <EntraSignIn config={props.config} onSignedIn={props.onSignedIn} />
        )}
      </Card>
    </main>
  );
}

function LocalSignIn(props: { onSignedIn: (session: Session) => void }) {
  const styles = useStyles();
  const [tenantId, setTenantId] = useState(localStorage.getItem('clouddr.lastTenant') ?? '');
  const [upn, setUpn] = useState('admin@contoso.test');
  const [role, setRole] = useState<string>('DR.Admin');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const platform = role === 'DR.PlatformAdmin';
  const tenantProblem = !platform && tenantId !== '' && !guid.test(tenantId) ? 'must be a GUID' : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/local/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(platform ? { platform: true, upn } : { tenantId, role, upn }),
      });
      if (!response.ok) throw await apiErrorOf(response);
      const { token } = (await response.json()) as { token: string };
      if (!platform) localStorage.setItem('clouddr.lastTenant', tenantId);
      props.onSignedIn(sessionOfToken(token, 'local'));
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} onSubmit={(e) => void submit(e)}>
      <MessageBar intent="info">
        <MessageBarBody>
          <MessageBarTitle>Local development sign-in</MessageBarTitle>
          Tokens come from the embedded runtime&apos;s own issuer. It exists only on this machine, never in
          Azure.
        </MessageBarBody>
      </MessageBar>
      <Field label="Role" required>
        <Dropdown
          value={role}
          selectedOptions={[role]}
          onOptionSelect={(_, data) => setRole(data.optionValue ?? 'DR.Reader')}
        >
          {roles.map((r) => (
            <Option key={r} value={r}>
              {r}
            </Option>
          ))}
        </Dropdown>
      </Field>
      {!platform && (
        <Field label="Tenant ID" required validationMessage={tenantProblem}>
          <Input value={tenantId} onChange={(_, data) => setTenantId(data.value.trim())} placeholder="GUID" />
        </Field>
      )}
      <Field label="User (UPN)" required>
        <Input value={upn} onChange={(_, data) => setUpn(data.value.trim())} />
      </Field>
      {error && <ErrorBar error={error} />}
      <Button
        appearance="primary"
        type="submit"
        disabled={busy || !upn || (!platform && !guid.test(tenantId))}
      >
        Sign in
      </Button>
    </form>
  );
}

function EntraSignIn(props: {
  config: Extract<PortalConfig, { signIn: 'entra' }>;
  onSignedIn: (session: Session) => void;
}) {
  const styles = useStyles();
  const [error, setError] = useState<Error>();
  const { config, onSignedIn } = props;
  useEffect(() => {
    entraTokenIfSignedIn(config).then(
      (token) => token && onSignedIn(sessionOfToken(token, 'entra')),
      (err: unknown) => setError(err instanceof Error ? err : new Error(String(err))),
    );
  }, [config, onSignedIn]);
  return (
    <div className={styles.form}>
      {error && <ErrorBar error={error} />}
      <Button appearance="primary" onClick={() => void startEntraSignIn(config).catch(setError)}>
        Sign in with Microsoft
      </Button>
    </div>
  );
}
