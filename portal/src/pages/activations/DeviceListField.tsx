/** A pasted list of device ids, with how many were read, so the admin sees the paste was understood. */
import { Field, Textarea } from '@fluentui/react-components';
import { parseDeviceList } from '../../logic/deviceListText';
import { validationOf } from './fieldValidation';

export interface DeviceListFieldProps {
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  error?: string;
  note?: string;
}

export function DeviceListField(props: DeviceListFieldProps) {
  const count = parseDeviceList(props.value).ids.length;
  const read =
    count === 0 ? '' : ` ${count.toLocaleString('en-US')} ${count === 1 ? 'device' : 'devices'} read.`;
  return (
    <Field
      label={props.label}
      hint={`${props.hint}${read}`}
      required={props.required}
      {...validationOf(props.error, props.note)}
    >
      <Textarea
        value={props.value}
        onChange={(_, data) => props.onChange(data.value)}
        resize="vertical"
        rows={5}
        placeholder={'cpc-0003\ncpc-0001'}
        spellCheck={false}
        textarea={{ style: { fontFamily: 'monospace' } }}
      />
    </Field>
  );
}
