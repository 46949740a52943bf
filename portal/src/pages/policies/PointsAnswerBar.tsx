/** The 202 answer to "take restore points now": queued, and skipped by reason with the first devices. */
import { MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import type { Policy } from '../../logic/policyForm';
import { policyPointsSummary, reasonText, type PolicyPointsAnswer } from '../../logic/policyPointsSummary';

/** Enough to see who was skipped; the answer itself lists at most 100. */
const shownSkipped = 10;

export function PointsAnswerBar(props: { policy: Policy; answer: PolicyPointsAnswer }) {
  const { answer } = props;
  const listed = answer.skippedDevices.slice(0, shownSkipped);
  return (
    <MessageBar intent={answer.skipped > 0 ? 'warning' : 'success'} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Restore points requested for {props.policy.name}</MessageBarTitle>
        {policyPointsSummary(answer)}.
        {answer.queued > 0 && " Each device's point appears in its list once copied and verified."}
        {listed.length > 0 && (
          <ul>
            {listed.map((device) => (
              <li key={device.deviceId}>
                <code>{device.deviceId}</code>: {reasonText(device.reason)}
              </li>
            ))}
          </ul>
        )}
        {answer.skipped > listed.length && (
          <Text block>…and {answer.skipped - listed.length} more skipped.</Text>
        )}
      </MessageBarBody>
    </MessageBar>
  );
}
