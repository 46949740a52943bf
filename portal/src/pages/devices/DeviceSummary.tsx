/** A device's registration and protection, as label–value pairs. */
import { Caption1, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { StatusBadge } from '../../components/StatusBadge';
import { ageText, byteSize } from '../../logic/ages';
import { formatTime } from '../../logic/durations';
import type { Device } from './deviceTypes';

const useStyles = makeStyles({
  list: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 16rem), 1fr))',
    gap: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalXL}`,
    margin: 0,
  },
  item: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: 0 },
  term: { color: tokens.colorNeutralForeground2 },
  value: { margin: 0, overflowWrap: 'anywhere' },
});

export function DeviceSummary(props: { device: Device; now: number }) {
  const styles = useStyles();
  const d = props.device;
  const item = (term: string, value: ReactNode) => (
    <div className={styles.item}>
      <dt>
        <Caption1 className={styles.term}>{term}</Caption1>
      </dt>
      <dd className={styles.value}>{value}</dd>
    </div>
  );
  const when = (iso: string | undefined, none: string) =>
    iso ? (
      <Text>
        {formatTime(iso)} ({ageText(iso, props.now)})
      </Text>
    ) : (
      <Text>{none}</Text>
    );
  return (
    <dl className={styles.list}>
      {item('Status', <StatusBadge status={d.status} />)}
      {item('Last verified restore point', when(d.lastVerifiedAt, 'none yet'))}
      {item('Next scheduled restore point', <Text>{formatTime(d.nextRestorePointAt)}</Text>)}
      {item('User', <Text>{d.upn}</Text>)}
      {item('Policy', <Text>{`${d.policyId} (RPO ${d.rpoHours} h)`}</Text>)}
      {item('Priority tier', <Text>{d.priorityTier}</Text>)}
      {item('Primary region', <Text>{d.primaryRegion}</Text>)}
      {item('Backup region', <Text>{d.backupRegion}</Text>)}
      {item(
        'Licensed',
        <Text>{d.licensed ? 'Yes' : 'No: beyond the tenant’s licences, not protected'}</Text>,
      )}
      {d.protectionBlocked &&
        item(
          'Protection blocked',
          <Text>
            Since {formatTime(d.protectionBlocked.since)}: the disk is outside the tenant’s disk scopes (a
            platform admin grants them)
          </Text>,
        )}
      {item(
        'Disk',
        <Text>
          {d.disk.kind === 'pageBlob'
            ? `Page blob ${d.disk.container}/${d.disk.blob}`
            : `Managed disk ${d.disk.armId}`}
        </Text>,
      )}
      {d.diskFacts &&
        item(
          'Disk facts',
          <Text>
            {[
              byteSize(d.diskFacts.sizeBytes),
              d.diskFacts.osType,
              d.diskFacts.securityType,
              d.diskFacts.hyperVGeneration && `Gen ${d.diskFacts.hyperVGeneration}`,
              d.diskFacts.vm?.size,
            ]
              .filter(Boolean)
              .join(' · ')}
          </Text>,
        )}
      {item('Registered', <Text>{formatTime(d.createdAt)}</Text>)}
    </dl>
  );
}
