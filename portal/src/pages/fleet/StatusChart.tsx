/**
 * Counts per compliance status: a bar per status (its name and "count/total" written beside it, so
 * colour carries no meaning of its own) and the same numbers in a table for screen readers and
 * for reading off exactly.
 */
import { HorizontalBarChart, type ChartProps } from '@fluentui/react-charts';
import {
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { statusRows, type ComplianceStatus, type StatusCounts } from '../../logic/complianceStatus';
import { StatusBadge } from '../../components/StatusBadge';

// Fluent's palette (red, dark orange, blue, green, greys): the shades Fluent uses for the same meanings.
const colors: Record<ComplianceStatus, string> = {
  breached: '#c50f1f',
  'at-risk': '#da3b01',
  'not-yet-protected': '#0f6cbd',
  protected: '#107c10',
  unlicensed: '#8a8886',
  disabled: '#616161',
};

const useStyles = makeStyles({
  layout: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)',
    gap: tokens.spacingHorizontalXXL,
    alignItems: 'start',
    '@media (max-width: 720px)': { gridTemplateColumns: 'minmax(0, 1fr)' },
  },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  numberHeader: { '& > *': { justifyContent: 'flex-end', textAlign: 'right' } },
  total: { fontWeight: tokens.fontWeightSemibold },
});

export function StatusChart(props: { counts: StatusCounts; total: number }) {
  const styles = useStyles();
  const rows = statusRows(props.counts);
  const data: ChartProps[] = rows.map((row) => ({
    chartTitle: row.label,
    chartData: [
      {
        legend: row.label,
        horizontalBarChartdata: { x: row.count, total: props.total },
        color: colors[row.status],
        xAxisCalloutData: row.label,
        yAxisCalloutData: `${row.count} of ${props.total}`,
      },
    ],
  }));
  return (
    <div className={styles.layout}>
      {/* The table beside it says the same; the chart is for the eye only (inert: neither read nor
          focused, its bars being focusable otherwise). */}
      <div inert>
        <HorizontalBarChart data={data} chartDataMode="fraction" hideTooltip barHeight={12} />
      </div>
      <Table size="small" aria-label="Devices per compliance status">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell className={styles.numberHeader}>Devices</TableHeaderCell>
            <TableHeaderCell className={styles.numberHeader}>Share</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={row.status}>
              <TableCell>
                <StatusBadge status={row.status} />
              </TableCell>
              <TableCell className={styles.number}>{row.count.toLocaleString()}</TableCell>
              <TableCell className={styles.number}>{Math.round(row.share * 100)} %</TableCell>
            </TableRow>
          ))}
          <TableRow className={styles.total}>
            <TableCell>Total</TableCell>
            <TableCell className={styles.number}>{props.total.toLocaleString()}</TableCell>
            <TableCell />
          </TableRow>
        </TableBody>
      </Table>
    </div>
  );
}
