/** A device's compliance status: its name in words, coloured by how much it needs attention. */
import { Badge, Tooltip, makeStyles } from '@fluentui/react-components';
import { statusBadgeColor, statusDescription, statusLabel } from '../logic/complianceStatus';

const useStyles = makeStyles({ badge: { whiteSpace: 'nowrap' } });

export function StatusBadge(props: { status: string }) {
  const styles = useStyles();
  const badge = (
    <Badge className={styles.badge} appearance="tint" color={statusBadgeColor(props.status)} shape="rounded">
      {statusLabel(props.status)}
    </Badge>
  );
  const description = statusDescription(props.status);
  return description ? (
    <Tooltip content={description} relationship="description">
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}
