/**
 * What the activation would do, from the API's preview: how many devices recovered and skipped
 * (and why), in which waves, and the request it was computed for.
 */
import {
  Card,
  MessageBar,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { describeScope, skipReasonLabel, waveName } from '../../logic/activationStates';
import type { ActivationBody, ActivationPreview } from '../../logic/activationTypes';
import { someOf } from '../../logic/deviceListText';
import { ScrollRegion } from '../../components/ScrollRegion';

const useStyles = makeStyles({
  figures: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalM,
    marginBottom: tokens.spacingVerticalM,
  },
  figure: { minWidth: '88px', flex: '1 1 88px' },
  // Two or three short columns: they fit a phone's width without scrolling.
  gap: { marginBottom: tokens.spacingVerticalM, '& td': { overflowWrap: 'anywhere' } },
  skippedList: {
    maxHeight: '320px',
    overflowY: 'auto',
    marginBottom: tokens.spacingVerticalM,
  },
  request: { margin: `0 0 ${tokens.spacingVerticalM}`, paddingLeft: tokens.spacingHorizontalL },
});

const count = (n: number) => n.toLocaleString('en-US');

function Figure(props: { value: number; label: string }) {
  const styles = useStyles();
  return (
    <Card className={styles.figure} appearance="filled-alternative">
      <Text size={700} weight="semibold">
        {count(props.value)}
      </Text>
      <Text size={200}>{props.label}</Text>
    </Card>
  );
}

export function RequestSummary(props: { body: ActivationBody }) {
  const styles = useStyles();
  const { body } = props;
  const first = body.recoverFirst ?? [];
  return (
    <ul className={styles.request} aria-label="The request">
      <li>Scope: {describeScope(body.scope)}</li>
      <li>
        Recovered first:{' '}
        {first.length === 0 ? 'none' : `${count(first.length)} (${someOf(first, 5)}), in this order`}
      </li>
      <li>Wave deadline: {body.waveDeadlineMinutes ?? 60} minutes</li>
    </ul>
  );
}

export function PreviewSummary(props: { preview: ActivationPreview }) {
  const styles = useStyles();
  const { preview } = props;
  const skipped = Object.entries(preview.skipped).filter(([, n]) => n > 0);
  const skippedTotal = skipped.reduce((sum, [, n]) => sum + n, 0);
  return (
    <>
      {!preview.complete && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            The scope is large: these counts are of the devices read in the time the preview had. The
            activation itself plans every device.
          </MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.figures}>
        <Figure value={preview.toRecover} label="devices will be recovered" />
        <Figure value={skippedTotal} label="devices will be skipped" />
        <Figure value={preview.total} label="devices in the request" />
      </div>
      {preview.toRecover === 0 && (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>Nothing would be recovered. Change the request.</MessageBarBody>
        </MessageBar>
      )}
      <Text as="h3" size={400} weight="semibold">
        Waves
      </Text>
      <div className={styles.gap}>
        <Table aria-label="Waves that will run" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Wave</TableHeaderCell>
              <TableHeaderCell>Holds</TableHeaderCell>
              <TableHeaderCell>Devices</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {preview.waves.map((w) => (
              <TableRow key={w.wave}>
                <TableCell>{w.wave}</TableCell>
                <TableCell>{waveName(w.label)}</TableCell>
                <TableCell>{count(w.devices)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {skipped.length > 0 && (
        <>
          <Text as="h3" size={400} weight="semibold">
            Skipped, and why
          </Text>
          <div className={styles.gap}>
            <Table aria-label="Devices that will be skipped, per reason" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Reason</TableHeaderCell>
                  <TableHeaderCell>Devices</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {skipped.map(([reason, n]) => (
                  <TableRow key={reason}>
                    <TableCell>{skipReasonLabel(reason)}</TableCell>
                    <TableCell>{count(n)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <Text block weight="semibold">
            {preview.skippedDevicesNotListed > 0
              ? `The first ${count(preview.skippedDevices.length)} skipped devices`
              : 'The skipped devices'}
          </Text>
          <ScrollRegion wrapCells className={styles.skippedList} label="Skipped devices, scrollable">
            <Table aria-label="Skipped devices" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Device</TableHeaderCell>
                  <TableHeaderCell>Reason</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {preview.skippedDevices.map((d) => (
                  <TableRow key={d.deviceId}>
                    <TableCell>{d.deviceId}</TableCell>
                    <TableCell>{skipReasonLabel(d.reason)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </ScrollRegion>
          {preview.skippedDevicesNotListed > 0 && (
            <Text block>
              and {count(preview.skippedDevicesNotListed)} more skipped devices not listed here.
            </Text>
          )}
        </>
      )}
    </>
  );
}
