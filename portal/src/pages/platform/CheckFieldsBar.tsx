/** The form was not sent: some fields cannot be (their reasons are shown under them). */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';

export function CheckFieldsBar(props: { count: number }) {
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>
        <MessageBarTitle>Not saved</MessageBarTitle>
        {props.count === 1 ? 'One field needs' : `${props.count} fields need`} attention: see the messages
        under them.
      </MessageBarBody>
    </MessageBar>
  );
}
