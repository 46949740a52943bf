/** Previous and Next for a paged list, with the page number read out. */
import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ChevronLeftRegular, ChevronRightRegular } from '@fluentui/react-icons';
import type { PagedList } from './usePagedList';

const useStyles = makeStyles({
  pager: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    marginTop: tokens.spacingVerticalS,
  },
});

export function Pager(props: { list: PagedList<unknown>; label: string }) {
  const styles = useStyles();
  const { list } = props;
  if (!list.hasNext && !list.hasPrevious) return null;
  return (
    <nav className={styles.pager} aria-label={`${props.label} pages`}>
      <Button
        icon={<ChevronLeftRegular />}
        disabled={!list.hasPrevious || list.loading}
        onClick={list.previous}
        aria-label={`Previous page of ${props.label.toLowerCase()}`}
      >
        Previous
      </Button>
      <Text aria-live="polite">Page {list.pageNumber}</Text>
      <Button
        icon={<ChevronRightRegular />}
        iconPosition="after"
        disabled={!list.hasNext || list.loading}
        onClick={list.next}
        aria-label={`Next page of ${props.label.toLowerCase()}`}
      >
        Next
      </Button>
    </nav>
  );
}
