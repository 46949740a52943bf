/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';

export function PlatformTenantPage() {
  return <PageHeader title="Tenants" />;
}
