/**
 * An error as the admin needs it: what the API said (its detail and field errors), the
 * correlation id to quote, and for a 403 which role is missing (the API's detail names it).
 */
import { MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { ApiError } from '../api/ApiError';

export function errorTitle(error: Error): string {
  if (!(error instanceof ApiError)) return 'Something went wrong';
  if (error.status === 403) return 'Your role does not allow this';
  if (error.status === 503) return 'A dependency did not answer; try again';
  return `${error.title} (${error.status})`;
}

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
