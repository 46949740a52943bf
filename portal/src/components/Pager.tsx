/**
 * Previous / Next through a list the API pages with continuation tokens (one page per request),
 * and the page size. The page number is shown since a token list has no total.
 */
import { Button, Field, Select, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ChevronLeftRegular, ChevronRightRegular } from '@fluentui/react-icons';

const useStyles = makeStyles({
  pager: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: tokens.spacingHorizontalM,
    marginTop: tokens.spacingVerticalM,
  },
  // Previous, the page number and Next stay on one line; the page size wraps below when narrow.
  steps: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  size: { minWidth: '8rem' },
  page: { whiteSpace: 'nowrap' },
});

export function Pager<Size extends number>(props: {
  /** Names the list, so two pagers on a page are told apart ("Devices pages"). */
  label: string;
  /** Where one page holds several paged lists: names the buttons' list ("Next page of failed devices"). */
  of?: string;
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  /** The page size picker, where the reader may choose it. */
  size?: { pageSize: Size; pageSizes: readonly Size[]; onPageSize: (size: Size) => void };
  busy?: boolean;
}) {
  const styles = useStyles();
  const { size } = props;
  const of = props.of ? ` of ${props.of}` : '';
  return (
    <nav className={styles.pager} aria-label={props.label}>
      <div className={styles.steps}>
        <Button
          icon={<ChevronLeftRegular />}
          disabled={!props.hasPrevious || props.busy}
          onClick={props.onPrevious}
          aria-label={`Previous page${of}`}
        >
          Previous
        </Button>
        <Text className={styles.page} aria-live="polite">
          Page {props.pageNumber}
        </Text>
        <Button
          icon={<ChevronRightRegular />}
          iconPosition="after"
          disabled={!props.hasNext || props.busy}
          onClick={props.onNext}
          aria-label={`Next page${of}`}
        >
          Next
        </Button>
      </div>
      {size && (
        <Field label="Rows per page" className={styles.size}>
          <Select
            value={String(size.pageSize)}
            onChange={(_, data) => size.onPageSize(Number(data.value) as Size)}
          >
            {size.pageSizes.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </Select>
        </Field>
      )}
    </nav>
  );
}
