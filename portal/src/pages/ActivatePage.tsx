/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';

export function ActivatePage() {
  return <PageHeader title="Activate disaster recovery" />;
}
