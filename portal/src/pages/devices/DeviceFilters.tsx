/**
 * The device list's filters and sort. Each change is a new view, written to the URL's hash by the
 * page (so a link opens it); a filter value the options do not list (from a link) is still shown.
 */
import { Field, Select, makeStyles, tokens } from '@fluentui/react-components';
import { complianceStatuses, statusLabel, isComplianceStatus } from '../../logic/complianceStatus';
import type { DeviceListView, DeviceSort } from '../../logic/deviceListView';
import type { FilterOptions } from './useFilterOptions';

const useStyles = makeStyles({
  filters: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 9rem), 1fr))',
    gap: tokens.spacingHorizontalM,
    marginBottom: tokens.spacingVerticalM,
  },
});

const any = '';
const tiers = Array.from({ length: 10 }, (_, i) => i + 1);
const sorts: { value: DeviceSort; label: string }[] = [
  { value: 'deviceId', label: 'Device id' },
  { value: 'lastVerifiedAt', label: 'Oldest last verified point first' },
];

export function DeviceFilters(props: {
  view: DeviceListView;
  options: FilterOptions | undefined;
  onChange: (view: DeviceListView) => void;
}) {
  const styles = useStyles();
  const { view, onChange } = props;
  const policies = withCurrent(props.options?.policies.map((p) => p.id) ?? [], view.policyId);
  const regions = withCurrent(props.options?.regions ?? [], view.primaryRegion);
  const set = (patch: Partial<DeviceListView>) => onChange({ ...view, ...patch });
  return (
    <form className={styles.filters} aria-label="Filter devices" onSubmit={(e) => e.preventDefault()}>
      <Field label="Status">
        <Select
          value={view.status ?? any}
          onChange={(_, d) => set({ status: isComplianceStatus(d.value) ? d.value : undefined })}
        >
          <option value={any}>Any status</option>
          {complianceStatuses.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Policy">
        <Select value={view.policyId ?? any} onChange={(_, d) => set({ policyId: d.value || undefined })}>
          <option value={any}>Any policy</option>
          {policies.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Primary region">
        <Select
          value={view.primaryRegion ?? any}
          onChange={(_, d) => set({ primaryRegion: d.value || undefined })}
        >
          <option value={any}>Any region</option>
          {regions.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Priority tier">
        <Select
          value={view.priorityTier === undefined ? any : String(view.priorityTier)}
          onChange={(_, d) => set({ priorityTier: d.value ? Number(d.value) : undefined })}
        >
          <option value={any}>Any tier</option>
          {tiers.map((t) => (
            <option key={t} value={t}>
              Tier {t}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Sort by">
        <Select value={view.sort} onChange={(_, d) => set({ sort: d.value as DeviceSort })}>
          {sorts.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </Select>
      </Field>
    </form>
  );
}

function withCurrent(values: string[], current: string | undefined): string[] {
  return current && !values.includes(current) ? [...values, current] : values;
}
