/**
 * A table's horizontal scroll box at phone width. It takes keyboard focus (and is named), since a
 * box that scrolls must be scrollable without a mouse and its table may hold nothing focusable.
 */
import { mergeClasses, makeStyles } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  // Long ids break anywhere rather than widen a narrow table (tables with a min width scroll instead).
  wrapCells: { '& td': { overflowWrap: 'anywhere' } },
});

export function ScrollRegion(props: {
  label: string;
  className?: string;
  wrapCells?: boolean;
  children: ReactNode;
}) {
  const styles = useStyles();
  return (
    <div
      role="region"
      aria-label={props.label}
      tabIndex={0}
      className={mergeClasses(styles.scroll, props.wrapCells && styles.wrapCells, props.className)}
    >
      {props.children}
    </div>
  );
}
