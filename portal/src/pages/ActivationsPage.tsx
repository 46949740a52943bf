/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';

export function ActivationsPage() {
  return <PageHeader title="Disaster recovery" />;
}
