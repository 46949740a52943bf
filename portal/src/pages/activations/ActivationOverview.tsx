/**
 * Where an activation stands: its state, how far recovery got (and, once deactivating, how far the
 * release is), the measured RTO and the estimate of what remains.
 */
import { Field, ProgressBar, makeStyles, tokens } from '@fluentui/react-components';
import { describeScope } from '../../logic/activationStates';
import type { ActivationReport } from '../../logic/activationTypes';
import { etaShown, rtoShown } from '../../logic/activationTiming';
import { formatTime } from '../../logic/durations';
import { releaseProgress } from '../../logic/releaseProgress';
import { ActivationStateBadge } from './StateBadges';

const useStyles = makeStyles({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: `0 0 ${tokens.spacingVerticalM}`,
    '& dt': { color: tokens.colorNeutralForeground2 },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
    // At phone width a second column leaves the values a few words a line: one column instead.
    '@media (max-width: 520px)': {
      gridTemplateColumns: '1fr',
      '& dd': { marginBottom: tokens.spacingVerticalS },
    },
  },
  bars: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

const count = (n: number) => n.toLocaleString('en-US');

export function ActivationOverview(props: { report: ActivationReport }) {
  const styles = useStyles();
  const { report } = props;
  const { counts } = report;
  const rto = rtoShown(report);
  const eta = etaShown(report);
  const release = releaseProgress(counts);
  const releasing = report.state === 'deactivating' || report.state === 'deactivated';
  return (
    <>
      <dl className={styles.facts}>
        <dt>State</dt>
        <dd>
          <ActivationStateBadge state={report.state} size="large" />
        </dd>
        <dt>Scope</dt>
        <dd>
          {describeScope(report.scope)}
          {report.recoverFirst.length > 0 && `, ${count(report.recoverFirst.length)} recovered first`}
        </dd>
        <dt>Requested</dt>
        <dd>
          {formatTime(report.requestedAt)} by {report.requestedBy}
        </dd>
        <dt>{rto.label}</dt>
        <dd>{rto.value}</dd>
        <dt>{eta.label}</dt>
        <dd>{eta.value}</dd>
        <dt>Wave deadline</dt>
        <dd>{report.waveDeadlineMinutes} minutes</dd>
        {report.cancelledAt && (
          <>
            <dt>Cancelled</dt>
            <dd>{formatTime(report.cancelledAt)}</dd>
          </>
        )}
        {report.deactivationRequestedAt && (
          <>
            <dt>Deactivation requested</dt>
            <dd>
              {formatTime(report.deactivationRequestedAt)}
              {report.deactivationRequestedBy ? ` by ${report.deactivationRequestedBy}` : ''}
            </dd>
          </>
        )}
        {report.deactivatedAt && (
          <>
            <dt>Deactivated</dt>
            <dd>{formatTime(report.deactivatedAt)}</dd>
          </>
        )}
      </dl>
      <div className={styles.bars}>
        <Field
          label={`Recovery: ${report.percentComplete}% complete`}
          validationState="none"
          validationMessage={`${count(counts.recovered + counts.releasing + counts.released)} recovered, ${count(counts.failed)} failed, ${count(counts.skipped)} skipped, of ${count(report.total)} devices`}
        >
          <ProgressBar
            value={report.percentComplete / 100}
            thickness="large"
            color={report.state === 'completed' ? 'success' : 'brand'}
          />
        </Field>
        {releasing && (
          <Field
            label={`Deactivation: ${release.percent}% of temporary Cloud PCs deleted`}
            validationState="none"
            validationMessage={`${count(release.released)} of ${count(release.toRelease)} released, ${count(counts.releasing)} being deleted`}
          >
            <ProgressBar
              value={release.percent / 100}
              thickness="large"
              color={report.state === 'deactivated' ? 'success' : 'brand'}
            />
          </Field>
        )}
      </div>
    </>
  );
}
