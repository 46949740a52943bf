/**
 * "Take a restore point": asks for a manual point of the device now (202: queued). The route takes
 * no Idempotency-Key; a manual point is named by its request's whole second, so the button is
 * disabled while its request is under way and a double click makes one request.
 */
import { CameraRegular } from '@fluentui/react-icons';
import { useRef, useState } from 'react';
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { ErrorBar } from '../../components/ErrorBar';
import { GuardedButton } from '../../components/GuardedButton';
import type { RequestedPoint } from './deviceTypes';

export function TakePointButton(props: { deviceId: string; onRequested: (point: RequestedPoint) => void }) {
  const { api, session } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  // A second click can arrive before the re-render that disables the button: a ref sees it at once.
  const inFlight = useRef(false);
  const take = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(undefined);
    try {
      props.onRequested(
        await ok(
          api.POST('/api/tenants/{tenantId}/devices/{deviceId}/restore-points', {
            params: { path: { tenantId: session.tenantId, deviceId: props.deviceId } },
          }),
        ),
      );
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return (
    <>
      <GuardedButton
        operation="requestRestorePoint"
        appearance="primary"
        icon={<CameraRegular />}
        disabled={busy}
        onClick={() => void take()}
      >
        {busy ? 'Requesting…' : 'Take a restore point'}
      </GuardedButton>
      {error && <ErrorBar error={error} />}
    </>
  );
}
