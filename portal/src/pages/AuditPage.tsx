/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';
import type { Route } from '../routes';

export function AuditPage(_props: { route: Route }) {
  return <PageHeader title="Audit" />;
}
