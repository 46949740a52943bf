/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';
import type { Route } from '../routes';

export function DevicesPage(_props: { route: Route }) {
  return <PageHeader title="Devices" />;
}
