/**
 * An error as the admin needs it: what the API said (its detail and field errors), the
 * correlation id to quote, and for a 403 which role is missing (the API's detail names it).
 */
import { MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { ApiError } from '../api/ApiError';
import { errorTitle } from './errorTitle';

export function ErrorBar(props: { error: Error }) {
  const { error } = props;
  const api = error instanceof ApiError ? error : undefined;
  return (
    <MessageBar intent="error" role="alert" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{errorTitle(error)}</MessageBarTitle>
        {error.message}
        {api && api.errors.length > 0 && (
          <ul>
            {api.errors.map((e) => (
              <li key={`${e.field}:${e.reason}`}>
                <code>{e.field}</code> {e.reason}
              </li>
            ))}
          </ul>
        )}
        {api?.correlationId && (
          <Text block size={200}>
            Correlation id: <code>{api.correlationId}</code>
          </Text>
        )}
      </MessageBarBody>
    </MessageBar>
  );
}
