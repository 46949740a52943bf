/**
 * A guarded action behind a confirmation dialog: the button (disabled with the reason when the role
 * does not allow it), the dialog saying what will happen, the request, and its error if it fails.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Spinner,
  type ButtonProps,
} from '@fluentui/react-components';
import { useRef, useState, type ReactNode } from 'react';
import type { OperationName } from '../../api/requiredRoles';
import { ErrorBar } from '../../components/ErrorBar';
import { GuardedButton } from '../../components/GuardedButton';

export interface ConfirmDialogProps {
  operation: OperationName;
  /** The button that opens the dialog. */
  label: string;
  icon?: ButtonProps['icon'];
  disabled?: boolean;
  title: string;
  children: ReactNode;
  /** The dialog's button that does it. */
  confirmLabel: string;
  /** The dialog's button that does not. */
  dismissLabel: string;
  onConfirm: () => Promise<void>;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const inFlight = useRef(false);
  const confirm = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      setOpen(false);
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
        operation={props.operation}
        icon={props.icon}
        disabled={props.disabled}
        onClick={() => {
          setError(undefined);
          setOpen(true);
        }}
      >
        {props.label}
      </GuardedButton>
      <Dialog open={open} onOpenChange={(_, data) => !busy && setOpen(data.open)} modalType="alert">
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{props.title}</DialogTitle>
            <DialogContent>
              {props.children}
              {error && <ErrorBar error={error} />}
            </DialogContent>
            <DialogActions fluid>
              <Button
                appearance="primary"
                disabled={busy}
                onClick={() => void confirm()}
                icon={busy ? <Spinner size="tiny" /> : undefined}
              >
                {props.confirmLabel}
              </Button>
              <Button disabled={busy} onClick={() => setOpen(false)}>
                {props.dismissLabel}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
