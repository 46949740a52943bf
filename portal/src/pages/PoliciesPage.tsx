/**
 * The tenant's protection policies: create or edit one, and take restore points of every device
 * of a policy now, with what was queued and what was skipped and why.
 */
import {
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { AddRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { ErrorBar } from '../components/ErrorBar';
import { GuardedButton } from '../components/GuardedButton';
import { PageHeader } from '../components/PageHeader';
import type { Policy } from '../logic/policyForm';
import type { PolicyPointsAnswer } from '../logic/policyPointsSummary';
import { PoliciesTable } from './policies/PoliciesTable';
import { PolicyDialog, type PolicyDialogTarget } from './policies/PolicyDialog';
import { PointsAnswerBar } from './policies/PointsAnswerBar';
import { usePoliciesData } from './policies/usePoliciesData';

const useStyles = makeStyles({
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

type Notice =
  | { kind: 'saved'; policy: Policy; created: boolean }
  | { kind: 'points'; policy: Policy; answer: PolicyPointsAnswer }
  | { kind: 'error'; policy: Policy; error: Error };

export function PoliciesPage() {
  const styles = useStyles();
  const loaded = usePoliciesData();
  const [dialog, setDialog] = useState<PolicyDialogTarget>();
  const [notice, setNotice] = useState<Notice>();
  const { data } = loaded;
  return (
    <>
      <PageHeader title="Policies">
        <GuardedButton
          operation="putPolicy"
          appearance="primary"
          icon={<AddRegular />}
          disabled={!data}
          onClick={() => setDialog({ mode: 'new' })}
        >
          New policy
        </GuardedButton>
      </PageHeader>
      <div className={styles.stack}>
        <div role="status" aria-live="polite">
          {notice?.kind === 'saved' && (
            <MessageBar intent="success">
              <MessageBarBody>
                <MessageBarTitle>{notice.created ? 'Policy created' : 'Policy saved'}</MessageBarTitle>
                {notice.policy.name}: restore points in {notice.policy.backupRegion}, at most{' '}
                {notice.policy.rpoHours} hours old.
              </MessageBarBody>
            </MessageBar>
          )}
          {notice?.kind === 'points' && <PointsAnswerBar policy={notice.policy} answer={notice.answer} />}
        </div>
        {notice?.kind === 'error' && <ErrorBar error={notice.error} />}
        {loaded.error && <ErrorBar error={loaded.error} />}
        {!data ? (
          loaded.loading && <Spinner label="Loading policies" />
        ) : data.policies.length === 0 ? (
          <Text block>
            No policies yet. A policy says where a device's restore points are kept and how old they may be;
            create one, then import devices under it.
          </Text>
        ) : (
          <PoliciesTable
            policies={data.policies}
            devicesByPolicy={data.devicesByPolicy}
            onEdit={(policy) => setDialog({ mode: 'edit', policy })}
            onPointsAnswer={(policy, answer) => setNotice({ kind: 'points', policy, answer })}
            onPointsError={(policy, error) => setNotice({ kind: 'error', policy, error })}
          />
        )}
      </div>
      {dialog && data && (
        <PolicyDialog
          target={dialog}
          allowedBackupRegions={data.allowedBackupRegions}
          onClose={() => setDialog(undefined)}
          onSaved={(policy, created) => {
            setDialog(undefined);
            setNotice({ kind: 'saved', policy, created });
            loaded.reload();
          }}
        />
      )}
    </>
  );
}
