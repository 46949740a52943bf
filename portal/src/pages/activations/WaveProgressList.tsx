/** A progress bar per wave: what it holds, how far it is, its deadline and how it ended. */
import { Field, ProgressBar, Text, makeStyles, tokens } from '@fluentui/react-components';
import { waveName, waveOutcomeLabel } from '../../logic/activationStates';
import type { WaveProgress } from '../../logic/activationTypes';
import { formatTime } from '../../logic/durations';

const useStyles = makeStyles({
  list: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: 0,
    margin: 0,
    listStyle: 'none',
  },
});

const count = (n: number) => n.toLocaleString('en-US');

function details(wave: WaveProgress): string {
  const c = wave.counts;
  const parts = [
    `${count(c.recovered + c.releasing + c.released)} of ${count(wave.total)} recovered`,
    ...(c.failed > 0 ? [`${count(c.failed)} failed`] : []),
    ...(c['waiting-for-capacity'] > 0 ? [`${count(c['waiting-for-capacity'])} waiting for capacity`] : []),
    ...(c.skipped > 0 ? [`${count(c.skipped)} skipped`] : []),
    waveOutcomeLabel(wave),
    ...(wave.deadlineAt && !wave.outcome ? [`deadline ${formatTime(wave.deadlineAt)}`] : []),
  ];
  return parts.join(' · ');
}

export function WaveProgressList(props: { waves: readonly WaveProgress[] }) {
  const styles = useStyles();
  if (props.waves.length === 0) return <Text>The waves are being planned.</Text>;
  return (
    <ul className={styles.list}>
      {props.waves.map((wave) => (
        <li key={wave.wave}>
          <Field
            label={`Wave ${wave.wave}: ${waveName(wave.label)} — ${wave.percentComplete}%`}
            validationState="none"
            validationMessage={details(wave)}
          >
            <ProgressBar
              value={wave.percentComplete / 100}
              color={
                wave.outcome === 'deadline' ? 'warning' : wave.percentComplete >= 100 ? 'success' : 'brand'
              }
            />
          </Field>
        </li>
      ))}
    </ul>
  );
}
