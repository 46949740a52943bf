/** A page's title, with its actions on the right. */
import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalM,
    marginBottom: tokens.spacingVerticalL,
  },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'flex-start' },
});

export function PageHeader(props: { title: string; children?: ReactNode }) {
  const styles = useStyles();
  return (
    <header className={styles.header}>
      <Text as="h1" size={700} weight="semibold">
        {props.title}
      </Text>
      {props.children && <div className={styles.actions}>{props.children}</div>}
    </header>
  );
}
