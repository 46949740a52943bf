/**
 * A primary region: picked from the tenant's regions (with how many devices each holds), or typed
 * when the list could not be read or the region is not in it yet.
 */
import { Combobox, Field, Option } from '@fluentui/react-components';
import { validationOf } from './fieldValidation';
import type { RegionOption } from './useRegionOptions';

export interface RegionFieldProps {
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  regions?: readonly RegionOption[];
  required?: boolean;
  error?: string;
}

export function RegionField(props: RegionFieldProps) {
  const { regions = [] } = props;
  return (
    <Field label={props.label} hint={props.hint} required={props.required} {...validationOf(props.error)}>
      <Combobox
        freeform
        value={props.value}
        selectedOptions={regions.some((r) => r.name === props.value) ? [props.value] : []}
        placeholder={regions.length > 0 ? 'Choose or type a region' : 'Type a region, e.g. westeurope'}
        onChange={(e) => props.onChange(e.target.value)}
        onOptionSelect={(_, data) => props.onChange(data.optionValue ?? '')}
      >
        {regions.map((r) => (
          <Option key={r.name} value={r.name} text={r.name}>
            {`${r.name} — ${r.devices.toLocaleString('en-US')} devices, ${r.protectedDevices.toLocaleString('en-US')} protected`}
          </Option>
        ))}
      </Combobox>
    </Field>
  );
}
