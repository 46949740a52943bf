/**
 * The portal's frame: sign-in first, then a header (who is signed in, to which tenant, with which
 * roles), the sections, and the page the URL's hash names.
 */
import {
  Button,
  FluentProvider,
  Spinner,
  Tab,
  TabList,
  Text,
  makeStyles,
  tokens,
  webLightTheme,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { SessionProvider, useSession } from './auth/SessionContext';
import { SignInPage } from './auth/SignInPage';
import { loadPortalConfig, type PortalConfig } from './auth/portalConfig';
import { ErrorBar } from './components/ErrorBar';
import { ActivatePage } from './pages/ActivatePage';
import { ActivationPage } from './pages/ActivationPage';
import { ActivationsPage } from './pages/ActivationsPage';
import { AuditPage } from './pages/AuditPage';
import { DevicePage } from './pages/DevicePage';
import { DevicesPage } from './pages/DevicesPage';
import { FleetPage } from './pages/FleetPage';
import { PlatformTenantPage } from './pages/PlatformTenantPage';
import { PoliciesPage } from './pages/PoliciesPage';
import { navigate, useRoute, type Route } from './routes';

const useStyles = makeStyles({
  root: { minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground2 },
  bar: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  who: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM },
  nav: {
    overflowX: 'auto',
    backgroundColor: tokens.colorNeutralBackground1,
    paddingLeft: tokens.spacingHorizontalM,
  },
  main: { padding: tokens.spacingHorizontalL, maxWidth: '1400px', margin: '0 auto' },
});

const sections = [
  { value: 'fleet', label: 'Fleet' },
  { value: 'devices', label: 'Devices' },
  { value: 'activations', label: 'Disaster recovery' },
  { value: 'audit', label: 'Audit' },
  { value: 'policies', label: 'Policies' },
] as const;

export function App() {
  const [config, setConfig] = useState<PortalConfig>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    loadPortalConfig().then(setConfig, setError);
  }, []);
  return (
    <FluentProvider theme={webLightTheme}>
      {error ? (
        <ErrorBar error={error} />
      ) : !config ? (
        <Spinner label="Loading" />
      ) : (
        <SessionProvider
          signIn={(onSignedIn, endedBecause) => (
            <SignInPage config={config} onSignedIn={onSignedIn} endedBecause={endedBecause} />
          )}
        >
          <Frame />
        </SessionProvider>
      )}
    </FluentProvider>
  );
}

function Frame() {
  const styles = useStyles();
  const { session, signOut } = useSession();
  const route = useRoute();
  const platform = session.roles.includes('DR.PlatformAdmin');
  const section = route.segments[0] ?? (platform ? 'platform' : 'fleet');
  return (
    <div className={styles.root}>
      <header className={styles.bar}>
        <Text weight="semibold" size={400}>
          Cloud PC disaster recovery
        </Text>
        <div className={styles.who}>
          <Text size={200}>
            {session.upn} · {session.roles.join(', ')} · tenant {session.tenantId}
            {session.source === 'local' ? ' · local sign-in' : ''}
          </Text>
          <Button size="small" onClick={signOut}>
            Sign out
          </Button>
        </div>
      </header>
      <nav className={styles.nav} aria-label="Sections">
        <TabList selectedValue={section} onTabSelect={(_, data) => navigate([String(data.value)])}>
          {(platform ? [{ value: 'platform', label: 'Tenants' }] : sections).map((s) => (
            <Tab key={s.value} value={s.value}>
              {s.label}
            </Tab>
          ))}
        </TabList>
      </nav>
      <main className={styles.main}>{page(route, section)}</main>
    </div>
  );
}

function page(route: Route, section: string) {
  const [, id] = route.segments;
  switch (section) {
    case 'devices':
      return id ? <DevicePage deviceId={id} /> : <DevicesPage route={route} />;
    case 'activations':
      if (id === 'new') return <ActivatePage />;
      return id ? <ActivationPage activationId={id} /> : <ActivationsPage />;
    case 'audit':
      return <AuditPage route={route} />;
    case 'policies':
      return <PoliciesPage />;
    case 'platform':
      return <PlatformTenantPage />;
    default:
      return <FleetPage />;
  }
}
