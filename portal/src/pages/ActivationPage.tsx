/**
 * Watching an activation: its status URL polled at the Retry-After each answer gives until it
 * settles; waves, counts per device state, RTO and ETA; the failed, waiting and skipped devices
 * with their reasons; and cancel and deactivate, which start polling again.
 */
import { Button, Caption1, Card, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular, ArrowLeftRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { okWithResponse } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { ErrorBar } from '../components/ErrorBar';
import { PageHeader } from '../components/PageHeader';
import { usePolling } from '../hooks/usePolling';
import { activationIsSettled, polledActivation } from '../logic/activationPolling';
import { canCancel, canDeactivate } from '../logic/activationStates';
import type { RecoveryState } from '../logic/activationTypes';
import { href } from '../routes';
import { ActivationDevicesTable } from './activations/ActivationDevicesTable';
import { ActivationOverview } from './activations/ActivationOverview';
import { CancelActivationButton } from './activations/CancelActivationButton';
import { DeactivateButton } from './activations/DeactivateButton';
import { StateCountsTable } from './activations/StateCountsTable';
import { WaveProgressList } from './activations/WaveProgressList';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  columns: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 340px), 1fr))',
    gap: tokens.spacingHorizontalL,
    alignItems: 'start',
  },
  id: { display: 'block', marginTop: `calc(-1 * ${tokens.spacingVerticalM})`, overflowWrap: 'anywhere' },
});

/** Devices an admin has to look at, each listed with its reason when there are any. */
const attentionStates: readonly RecoveryState[] = ['failed', 'waiting-for-capacity', 'skipped'];

const clock = (ms: number) => new Date(ms).toLocaleTimeString();

export function ActivationPage(props: { activationId: string }) {
  const styles = useStyles();
  const { api, session } = useSession();
  const tenantId = session.tenantId;
  const { activationId } = props;
  // Bumped after cancel, deactivate or Refresh: polling starts again (it stops once settled).
  const [generation, setGeneration] = useState(0);
  const [updatedAt, setUpdatedAt] = useState<number>();
  const polled = usePolling(
    async (signal) => {
      const { data, response } = await okWithResponse(
        api.GET('/api/tenants/{tenantId}/activations/{activationId}', {
          params: { path: { tenantId, activationId } },
          signal,
        }),
      );
      setUpdatedAt(Date.now());
      return polledActivation(data, response);
    },
    activationIsSettled,
    [tenantId, activationId, generation],
  );
  const report = polled.data;
  const again = () => setGeneration((g) => g + 1);

  return (
    <>
      <PageHeader title="Activation">
        <Button as="a" href={href(['activations'])} icon={<ArrowLeftRegular />}>
          All activations
        </Button>
        <Button icon={<ArrowClockwiseRegular />} onClick={again}>
          Refresh
        </Button>
        {report && (
          <>
            <CancelActivationButton
              activationId={activationId}
              disabled={!canCancel(report.state)}
              onDone={again}
            />
            <DeactivateButton
              activationId={activationId}
              disabled={!canDeactivate(report.state)}
              stillRecovering={canCancel(report.state)}
              onDone={again}
            />
          </>
        )}
      </PageHeader>
      <Caption1 className={styles.id}>
        {activationId}
        {updatedAt !== undefined && ` · updated ${clock(updatedAt)}`}
        {polled.nextAt !== undefined && !polled.error && ` · next update ${clock(polled.nextAt)}`}
      </Caption1>
      <div className={styles.stack}>
        {polled.error && <ErrorBar error={polled.error} />}
        {!report && !polled.error && <Spinner label="Loading the activation" />}
        {report && (
          <>
            <div className={styles.columns}>
              <Card>
                <Text as="h2" size={500} weight="semibold">
                  Progress
                </Text>
                <ActivationOverview report={report} />
              </Card>
              <Card>
                <Text as="h2" size={500} weight="semibold">
                  Devices per state
                </Text>
                <StateCountsTable counts={report.counts} total={report.total} />
              </Card>
            </div>
            <Card>
              <Text as="h2" size={500} weight="semibold">
                Waves
              </Text>
              <WaveProgressList waves={report.waveProgress} />
            </Card>
            {attentionStates
              .filter((state) => report.counts[state] > 0)
              .map((state) => (
                <Card key={state}>
                  <ActivationDevicesTable
                    activationId={activationId}
                    state={state}
                    count={report.counts[state]}
                  />
                </Card>
              ))}
          </>
        )}
      </div>
    </>
  );
}
