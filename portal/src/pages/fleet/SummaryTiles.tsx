/** The fleet at a glance: how many devices, how many need attention, how old the stalest protection is. */
import { Card, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ageText } from '../../logic/ages';
import { formatTime } from '../../logic/durations';
import type { ComplianceReport } from './fleetTypes';

const useStyles = makeStyles({
  tiles: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 9.5rem), 1fr))',
    gap: tokens.spacingHorizontalM,
  },
  value: { fontVariantNumeric: 'tabular-nums' },
});

export function SummaryTiles(props: { report: ComplianceReport; now: number }) {
  const styles = useStyles();
  const { report } = props;
  const tile = (label: string, value: string, note?: string) => (
    <Card size="small" role="group" aria-label={label}>
      <Text size={200}>{label}</Text>
      <Text size={600} weight="semibold" className={styles.value}>
        {value}
      </Text>
      {note && <Text size={200}>{note}</Text>}
    </Card>
  );
  return (
    <div className={styles.tiles}>
      {tile('Devices', report.total.toLocaleString())}
      {tile('Breached', report.counts.breached.toLocaleString(), 'older than twice their RPO')}
      {tile('At risk', report.counts['at-risk'].toLocaleString(), 'older than their RPO')}
      {tile(
        'Oldest latest restore point',
        report.oldestLatestPointAt ? ageText(report.oldestLatestPointAt, props.now) : 'none yet',
        report.oldestLatestPointAt
          ? formatTime(report.oldestLatestPointAt)
          : 'no device has a verified point',
      )}
    </div>
  );
}
