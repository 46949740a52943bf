/**
 * Activate disaster recovery, in three steps: the request (scope, devices first, wave deadline);
 * the review, which asks the API what the activation would do; and the confirmation, where the
 * admin types the name of what is taken over. The request carries an Idempotency-Key kept for this
 * intent until it succeeds, so a double click, a retry or a reload cannot start two activations.
 */
import {
  Button,
  Card,
  MessageBar,
  MessageBarBody,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowLeftRegular, EyeRegular } from '@fluentui/react-icons';
import { useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/ApiError';
import { ok } from '../api/client';
import { useSession } from '../auth/SessionContext';
import { ErrorBar } from '../components/ErrorBar';
import { GuardedButton } from '../components/GuardedButton';
import { PageHeader } from '../components/PageHeader';
import { useLoad } from '../hooks/useLoad';
import { confirmationRule } from '../logic/activationConfirmation';
import { clearDraft, loadDraft, saveDraft } from '../logic/activationDraftStore';
import {
  buildActivationBody,
  placeFieldProblems,
  type ActivationDraft,
  type FieldMessages,
} from '../logic/activationForm';
import type { ActivationBody, ActivationPreview } from '../logic/activationTypes';
import { forgetIdempotencyKey, idempotencyKeyFor, pendingIdempotencyKey } from '../logic/idempotencyKeys';
import { mayHaveReachedTheApi } from '../logic/retryAdvice';
import { href, navigate } from '../routes';
import { ActivationFormFields } from './activations/ActivationFormFields';
import { ConfirmActivation } from './activations/ConfirmActivation';
import { PreviewSummary, RequestSummary } from './activations/PreviewSummary';
import { useRegionOptions } from './activations/useRegionOptions';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  card: { maxWidth: '900px' },
});

/** The idempotency-key slot of activations (idempotencyKeys.ts). */
const keyAction = 'activate';

interface Review {
  body: ActivationBody;
  preview: ActivationPreview;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function ActivatePage() {
  const styles = useStyles();
  const { api, session } = useSession();
  const tenantId = session.tenantId;
  const { regions } = useRegionOptions();
  const tenant = useLoad(
    (signal) => ok(api.GET('/api/tenants/{tenantId}', { params: { path: { tenantId } }, signal })),
    [tenantId],
  );

  const [draft, setDraftState] = useState<ActivationDraft>(() => loadDraft(sessionStorage));
  const [fieldErrors, setFieldErrors] = useState<FieldMessages>({});
  const [review, setReview] = useState<Review>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  // A second click lands before React re-renders the disabled button: the ref sees it at once.
  const inFlight = useRef(false);

  // Notes (ids pasted twice) follow the text as it is typed, not only when Review is pressed.
  const built = useMemo(() => buildActivationBody(draft), [draft]);
  const notes: FieldMessages = 'notes' in built ? built.notes : {};

  const setDraft = (next: ActivationDraft) => {
    saveDraft(sessionStorage, next);
    setDraftState(next);
  };

  const startReview = async () => {
    if (inFlight.current) return;
    if ('errors' in built) {
      setFieldErrors(built.errors);
      setError(undefined);
      return;
    }
    setFieldErrors({});
    setError(undefined);
    inFlight.current = true;
    setBusy(true);
    try {
      const preview = await ok(
        api.POST('/api/tenants/{tenantId}/activation-previews', {
          params: { path: { tenantId } },
          body: built.body,
        }),
      );
      setReview({ body: built.body, preview });
      window.scrollTo({ top: 0 });
    } catch (err) {
      if (err instanceof ApiError) setFieldErrors(placeFieldProblems(err.errors, built.body).byField);
      setError(asError(err));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const activate = async () => {
    if (!review || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(undefined);
    // Made on the first try and found again on every retry of this same body (also after a reload).
    const key = idempotencyKeyFor(sessionStorage, keyAction, review.body);
    try {
      const activation = await ok(
        api.POST('/api/tenants/{tenantId}/activations', {
          params: { path: { tenantId } },
          body: review.body,
          headers: { 'Idempotency-Key': key },
        }),
      );
      // Started: the next activation is a new request, from an empty form.
      forgetIdempotencyKey(sessionStorage, keyAction);
      clearDraft(sessionStorage);
      navigate(['activations', activation.id]);
    } catch (err) {
      setError(asError(err));
      inFlight.current = false;
      setBusy(false);
    }
  };

  // Sent before with no answer (lost, or the tab reloaded mid-request): Activate again finds the
  // activation it started. Its devices then preview as already active, so that does not block it.
  const pending =
    review !== undefined &&
    (error === undefined || mayHaveReachedTheApi(error)) &&
    pendingIdempotencyKey(sessionStorage, keyAction, review.body) !== undefined;

  return (
    <>
      <PageHeader title="Activate disaster recovery">
        <Button as="a" href={href(['activations'])} icon={<ArrowLeftRegular />}>
          All activations
        </Button>
      </PageHeader>
      <div className={styles.stack}>
        {error && <ErrorBar error={error} />}
        {!review ? (
          <>
            <ActivationFormFields
              draft={draft}
              onChange={setDraft}
              errors={fieldErrors}
              notes={notes}
              {...(regions ? { regions } : {})}
            />
            <div className={styles.actions}>
              <GuardedButton
                operation="previewActivation"
                appearance="primary"
                icon={<EyeRegular />}
                disabled={busy}
                onClick={() => void startReview()}
              >
                {busy ? 'Reviewing…' : 'Review'}
              </GuardedButton>
            </div>
          </>
        ) : (
          <>
            <Card className={styles.card}>
              <Text as="h2" size={500} weight="semibold">
                3. Review what will happen
              </Text>
              <RequestSummary body={review.body} />
              <PreviewSummary preview={review.preview} />
            </Card>
            <Card className={styles.card}>
              <Text as="h2" size={500} weight="semibold">
                4. Confirm
              </Text>
              <Text>
                Activating gives these users temporary Cloud PCs in the backup region, made from their latest
                verified restore points; they keep them until you deactivate.
                {review.body.scope.kind === 'region' &&
                  ` Restore points of ${review.body.scope.region} pause until then: the region is treated as down.`}
              </Text>
              {pending && (
                <MessageBar intent="info" layout="multiline">
                  <MessageBarBody>
                    This request was sent before and its answer did not arrive. Activate again: the same
                    Idempotency-Key is sent, so you get the activation it started, never a second one.
                  </MessageBarBody>
                </MessageBar>
              )}
              <ConfirmActivation
                rule={confirmationRule(review.body.scope, tenant.data?.name)}
                busy={busy}
                onActivate={() => void activate()}
                {...(review.preview.toRecover === 0 && !pending
                  ? { blocked: 'Nothing would be recovered.' }
                  : {})}
              />
              <div className={styles.actions}>
                <Button icon={<ArrowLeftRegular />} disabled={busy} onClick={() => setReview(undefined)}>
                  Change the request
                </Button>
              </div>
            </Card>
          </>
        )}
      </div>
    </>
  );
}
