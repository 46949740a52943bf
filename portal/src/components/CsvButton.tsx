/**
 * Downloads a CSV the API makes (`format=csv`): fetched through the API client, so it carries the
 * bearer token a plain link could not, then saved through a Blob link under the API's file name.
 */
import { Button, Spinner } from '@fluentui/react-components';
import { ArrowDownloadRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { csvFileName } from '../logic/csvFileName';
import { ErrorBar } from './ErrorBar';

export function CsvButton(props: {
  /** The button's text, which names what is downloaded. */
  label: string;
  /** The file name when the API gives none. */
  fallbackName: string;
  /** Fetches the CSV: the body as a Blob and the response (for Content-Disposition). */
  load: () => Promise<{ data: Blob; response: Response }>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data, response } = await props.load();
      save(data, csvFileName(response.headers.get('content-disposition'), props.fallbackName));
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button
        icon={busy ? <Spinner size="tiny" /> : <ArrowDownloadRegular />}
        disabled={busy}
        onClick={() => void download()}
      >
        {props.label}
      </Button>
      {error && <ErrorBar error={error} />}
    </>
  );
}

function save(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The browser has started the download from the URL by now; freeing it later is enough.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
