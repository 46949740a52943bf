/** Placeholder: being built (issue 30). */
import { PageHeader } from '../components/PageHeader';

export function ActivationPage(_props: { activationId: string }) {
  return <PageHeader title="Activation" />;
}
