/**
 * What an import did, row by row: refused rows first with each field and reason (what the admin
 * has to fix), then the saved ones. Saved rows beyond the first hundred are counted, not listed.
 */
import {
  Badge,
  MessageBar,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
} from '@fluentui/react-components';
import { describeImportRow, orderImportResults } from '../../logic/deviceImport';
import type { ImportAnswer } from './deviceTypes';
import { ScrollRegion } from '../../components/ScrollRegion';

const savedListed = 100;

const useStyles = makeStyles({
  scroll: { maxHeight: '40vh', overflowY: 'auto' },
  table: { minWidth: '28rem' },
  outcome: { width: '7rem' },
});

export function ImportResults(props: { answer: ImportAnswer }) {
  const styles = useStyles();
  const { answer } = props;
  const ordered = orderImportResults(answer.results);
  const shown = ordered.slice(0, answer.failed + savedListed);
  const unlicensed = answer.results.filter((r) => r.outcome === 'created' && r.licensed === false).length;
  return (
    <>
      <MessageBar intent={answer.failed > 0 ? 'warning' : 'success'} role="status">
        <MessageBarBody>
          {answer.created.toLocaleString()} saved, {answer.failed.toLocaleString()} refused
          {unlicensed > 0 && ` (${unlicensed.toLocaleString()} saved beyond the licences: not protected)`}.
        </MessageBarBody>
      </MessageBar>
      {/* Focusable, so a keyboard can scroll it (nothing in it takes focus). */}
      <ScrollRegion label="Import results table, scrollable" className={styles.scroll}>
        <Table size="small" aria-label="Import results" className={styles.table}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.outcome}>Result</TableHeaderCell>
              <TableHeaderCell>Device</TableHeaderCell>
              <TableHeaderCell>Detail</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {shown.map((row) => {
              const { detail } = describeImportRow(row);
              return (
                <TableRow key={row.index}>
                  <TableCell className={styles.outcome}>
                    <Badge
                      appearance="tint"
                      color={row.outcome === 'failed' ? 'danger' : 'success'}
                      shape="rounded"
                    >
                      {row.outcome === 'failed' ? 'Refused' : 'Saved'}
                    </Badge>
                  </TableCell>
                  <TableCell>{row.id ?? `row ${row.index + 1}`}</TableCell>
                  <TableCell>{detail}</TableCell>
                </TableRow>
              );
            })}
            {ordered.length > shown.length && (
              <TableRow>
                <TableCell colSpan={3}>
                  and {(ordered.length - shown.length).toLocaleString()} more saved
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </ScrollRegion>
    </>
  );
}
