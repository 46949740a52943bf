/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';

export function DevicePage(_props: { deviceId: string }) {
  return <PageHeader title="Device" />;
}
