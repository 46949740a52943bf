/**
 * "Take restore points now" for every device of a policy. The Idempotency-Key is made when the
 * admin first asks and reused until an answer comes (kept in sessionStorage, so a reload mid-request
 * reuses it too): a double click or a retry after a 503 takes one set of points, never two.
 */
import { Spinner } from '@fluentui/react-components';
import { CameraRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { GuardedButton } from '../../components/GuardedButton';
import { forgetIdempotencyKey, idempotencyKeyFor } from '../../logic/idempotencyKeys';
import type { Policy } from '../../logic/policyForm';
import type { PolicyPointsAnswer } from '../../logic/policyPointsSummary';

export function TakePointsButton(props: {
  policy: Policy;
  onAnswer: (answer: PolicyPointsAnswer) => void;
  onError: (error: Error) => void;
}) {
  const { api, session } = useSession();
  const [busy, setBusy] = useState(false);
  const { policy } = props;
  const take = async () => {
    // One stored key per policy: a pending request for another policy keeps its own.
    const action = `policy-points.${policy.id}`;
    const key = idempotencyKeyFor(sessionStorage, action, {
      tenantId: session.tenantId,
      policyId: policy.id,
    });
    setBusy(true);
    try {
      const answer = await ok(
        api.POST('/api/tenants/{tenantId}/policies/{policyId}/restore-points', {
          params: { path: { tenantId: session.tenantId, policyId: policy.id } },
          headers: { 'idempotency-key': key },
        }),
      );
      forgetIdempotencyKey(sessionStorage, action);
      props.onAnswer(answer);
    } catch (err) {
      props.onError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <GuardedButton
      operation="requestPolicyRestorePoints"
      size="small"
      icon={busy ? <Spinner size="tiny" /> : <CameraRegular />}
      disabled={busy}
      aria-label={`Take restore points now: ${policy.name}`}
      onClick={() => void take()}
    >
      Take restore points now
    </GuardedButton>
  );
}
