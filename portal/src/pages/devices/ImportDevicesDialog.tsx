/**
 * "Import devices": a JSON file (as `npm run local:disks` prints it) or pasted JSON, sent to
 * `POST …/device-imports` in one request, then the API's answer row by row.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowUploadRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { ok } from '../../api/client';
import { useSession } from '../../auth/SessionContext';
import { ErrorBar } from '../../components/ErrorBar';
import { GuardedButton } from '../../components/GuardedButton';
import { parseDeviceImport } from '../../logic/deviceImport';
import type { ImportAnswer } from './deviceTypes';
import { ImportResults } from './ImportResults';

const useStyles = makeStyles({
  surface: { maxWidth: 'min(48rem, calc(100vw - 2rem))' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  text: { fontFamily: tokens.fontFamilyMonospace },
});

const example =
  '{"devices": [{"id": "cpc-0001", "upn": "ada@contoso.com", "primaryRegion": "westeurope",\n  "disk": {"kind": "pageBlob", "container": "disks", "blob": "…"}, "policyId": "standard", "priorityTier": 1}]}';

export function ImportDevicesDialog(props: { onImported: () => void }) {
  const styles = useStyles();
  const { api, session } = useSession();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<ImportAnswer>();

  const reset = () => {
    setText('');
    setProblem(undefined);
    setError(undefined);
    setAnswer(undefined);
  };
  const readFile = async (file: File | undefined) => {
    if (!file) return;
    setAnswer(undefined);
    setProblem(undefined);
    setText(await file.text());
  };
  const submit = async () => {
    const parsed = parseDeviceImport(text);
    setError(undefined);
    setAnswer(undefined);
    if ('problem' in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(undefined);
    setBusy(true);
    try {
      const result = await ok(
        api.POST('/api/tenants/{tenantId}/device-imports', {
          params: { path: { tenantId: session.tenantId } },
          body: { devices: parsed.devices },
        }),
      );
      setAnswer(result);
      if (result.created > 0) props.onImported();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <GuardedButton operation="importDevices" icon={<ArrowUploadRegular />} onClick={() => setOpen(true)}>
        Import devices
      </GuardedButton>
      <Dialog
        open={open}
        onOpenChange={(_, data) => {
          setOpen(data.open);
          if (!data.open) reset();
        }}
      >
        <DialogSurface className={styles.surface}>
          <DialogBody>
            <DialogTitle>Import devices</DialogTitle>
            <DialogContent className={styles.content}>
              <Field
                label="Devices file (JSON)"
                hint="Up to 10,000 devices in one import; an id already registered is refused."
              >
                {(fieldProps) => (
                  <input
                    {...fieldProps}
                    type="file"
                    accept="application/json,.json"
                    onChange={(e) => void readFile(e.target.files?.[0])}
                  />
                )}
              </Field>
              <Field
                label="Or paste the devices as JSON"
                validationMessage={problem}
                validationState={problem ? 'error' : 'none'}
              >
                <Textarea
                  className={styles.text}
                  value={text}
                  onChange={(_, data) => setText(data.value)}
                  placeholder={example}
                  rows={6}
                  resize="vertical"
                />
              </Field>
              {error && <ErrorBar error={error} />}
              {answer && <ImportResults answer={answer} />}
            </DialogContent>
            <DialogActions>
              <Button
                appearance="primary"
                disabled={busy || text.trim() === ''}
                onClick={() => void submit()}
              >
                {busy ? 'Importing…' : 'Import'}
              </Button>
              <DialogTrigger disableButtonEnhancement>
                <Button>Close</Button>
              </DialogTrigger>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
