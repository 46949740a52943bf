/**
 * A device: its registration and protection, its restore points (newest first, verified or not),
 * and a manual restore point on demand, watched until it is verified.
 */
import {
  Button,
  Link,
  MessageBar,
  MessageBarBody,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowSyncRegular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { ok } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { ErrorBar } from '../components/ErrorBar';
import { PageHeader } from '../components/PageHeader';
import { useLoad } from '../hooks/useLoad';
import { formatTime } from '../logic/durations';
import { isVerified, watchPoint, type WatchedPoint } from '../logic/pointWatch';
import { href } from '../routes';
import { DeviceSummary } from './devices/DeviceSummary';
import { RestorePointsTable } from './devices/RestorePointsTable';
import { TakePointButton } from './devices/TakePointButton';
import { useRestorePoints } from './devices/useRestorePoints';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow2,
    minWidth: 0,
  },
  back: { alignSelf: 'center' },
  sectionHeader: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalM,
  },
});

export function DevicePage(props: { deviceId: string }) {
  const styles = useStyles();
  const { api, session } = useSession();
  const { deviceId } = props;
  const device = useLoad(
    (signal) =>
      ok(
        api.GET('/api/tenants/{tenantId}/devices/{deviceId}', {
          params: { path: { tenantId: session.tenantId, deviceId } },
          signal,
        }),
      ),
    [api, session.tenantId, deviceId],
  );
  const [watched, setWatched] = useState<WatchedPoint>();
  const [generation, setGeneration] = useState(0);
  const points = useRestorePoints(deviceId, watched, generation);
  const verified = watched !== undefined && isVerified(points.data?.items ?? [], watched.name);
  const reloadDevice = device.reload;
  // The device's status and last verified point change with the point: read it again then.
  useEffect(() => {
    if (verified) reloadDevice();
  }, [verified, reloadDevice]);

  return (
    <div className={styles.page}>
      <PageHeader title={`Device ${deviceId}`}>
        <Link className={styles.back} href={href(['devices'])}>
          All devices
        </Link>
        <TakePointButton
          deviceId={deviceId}
          onRequested={(point) => setWatched(watchPoint(point, Date.now()))}
        />
      </PageHeader>
      {watched && (
        <MessageBar intent={verified ? 'success' : 'info'} role="status">
          <MessageBarBody>
            {verified
              ? `The restore point requested at ${formatTime(watched.takenAt)} is copied and verified.`
              : `Restore point requested at ${formatTime(watched.takenAt)} (${watched.name}): it is listed once copied to the backup region, and marked verified when checked.`}
          </MessageBarBody>
        </MessageBar>
      )}
      <section className={styles.section} aria-labelledby="device-details">
        <Text as="h2" size={500} weight="semibold" id="device-details">
          Protection
        </Text>
        {device.error && <ErrorBar error={device.error} />}
        {device.data ? (
          <DeviceSummary device={device.data} now={Date.now()} />
        ) : (
          !device.error && <Spinner size="small" label="Loading the device" />
        )}
      </section>
      <section className={styles.section} aria-labelledby="device-points">
        <div className={styles.sectionHeader}>
          <Text as="h2" size={500} weight="semibold" id="device-points">
            Restore points
          </Text>
          <Button icon={<ArrowSyncRegular />} onClick={() => setGeneration((g) => g + 1)}>
            Refresh restore points
          </Button>
        </div>
        {points.error && <ErrorBar error={points.error} />}
        {points.data ? (
          <RestorePointsTable points={points.data.items} />
        ) : (
          !points.error && <Spinner size="small" label="Loading restore points" />
        )}
      </section>
    </div>
  );
}
