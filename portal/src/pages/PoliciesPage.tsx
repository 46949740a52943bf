/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';

export function PoliciesPage() {
  return <PageHeader title="Policies" />;
}
