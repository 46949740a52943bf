/** A field's message as Fluent's Field takes it: an error before a note, none without either. */
import type { FieldProps } from '@fluentui/react-components';

export function validationOf(
  error: string | undefined,
  note?: string,
): Pick<FieldProps, 'validationState' | 'validationMessage'> {
  if (error) return { validationState: 'error', validationMessage: error };
  if (note) return { validationState: 'warning', validationMessage: note };
  return {};
}
