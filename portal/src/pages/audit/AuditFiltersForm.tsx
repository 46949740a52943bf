/**
 * The audit trail's filters: a time range (in the browser's time zone) and an action, chosen from
 * the known ones or typed (the API takes any name). Applying them puts them in the URL's hash.
 */
import { Button, Combobox, Field, Input, Option, makeStyles, tokens } from '@fluentui/react-components';
import { DismissRegular, FilterRegular } from '@fluentui/react-icons';
import { useMemo, useState, type FormEvent } from 'react';
import { requiredRoles } from '../../api/requiredRoles';
import {
  auditActionSuggestions,
  isoOfLocalInput,
  localInputOf,
  type AuditFilters,
} from '../../logic/auditFilters';
import { fieldState, type FieldErrors } from '../../logic/fieldErrors';

const useStyles = makeStyles({
  form: {
    display: 'flex',
    flexWrap: 'wrap',
    // Top-aligned, so a field's message appearing below it moves nothing; the buttons sit level with
    // the inputs, below the fields' one-line labels.
    alignItems: 'flex-start',
    gap: tokens.spacingHorizontalM,
    marginBottom: tokens.spacingVerticalM,
  },
  time: { flex: '1 1 13rem', maxWidth: '16rem' },
  action: { flex: '1 1 16rem', maxWidth: '20rem' },
  buttons: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalS,
    marginTop: `calc(${tokens.lineHeightBase300} + ${tokens.spacingVerticalXXS} * 2)`,
  },
});

export function AuditFiltersForm(props: {
  filters: AuditFilters;
  errors: FieldErrors;
  onApply: (filters: AuditFilters) => void;
}) {
  const styles = useStyles();
  const [from, setFrom] = useState(() => localInputOf(props.filters.from));
  const [to, setTo] = useState(() => localInputOf(props.filters.to));
  const [action, setAction] = useState(props.filters.action ?? '');
  const suggestions = useMemo(() => auditActionSuggestions(Object.keys(requiredRoles)), []);
  const typed = action.trim().toLowerCase();
  const shown = suggestions.filter((name) => name.toLowerCase().includes(typed));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const fromIso = isoOfLocalInput(from);
    const toIso = isoOfLocalInput(to);
    const name = action.trim();
    props.onApply({
      ...(fromIso ? { from: fromIso } : {}),
      ...(toIso ? { to: toIso } : {}),
      ...(name ? { action: name } : {}),
    });
  };

  return (
    <form className={styles.form} onSubmit={apply} aria-label="Audit filters">
      <Field
        label="From"
        hint="Records at or after"
        className={styles.time}
        {...fieldState(props.errors, 'query.from')}
      >
        <Input type="datetime-local" value={from} onChange={(_, data) => setFrom(data.value)} />
      </Field>
      <Field
        label="To"
        hint="Records before"
        className={styles.time}
        {...fieldState(props.errors, 'query.to')}
      >
        <Input type="datetime-local" value={to} onChange={(_, data) => setTo(data.value)} />
      </Field>
      <Field
        label="Action"
        hint="An operation or event; any name"
        className={styles.action}
        {...fieldState(props.errors, 'query.action')}
      >
        <Combobox
          freeform
          placeholder="Any action"
          value={action}
          selectedOptions={suggestions.includes(action) ? [action] : []}
          onChange={(event) => setAction(event.target.value)}
          onOptionSelect={(_, data) => setAction(data.optionValue ?? '')}
        >
          {shown.map((name) => (
            <Option key={name} value={name}>
              {name}
            </Option>
          ))}
        </Combobox>
      </Field>
      <div className={styles.buttons}>
        <Button type="submit" appearance="primary" icon={<FilterRegular />}>
          Apply filters
        </Button>
        <Button icon={<DismissRegular />} onClick={() => props.onApply({})}>
          Clear filters
        </Button>
      </div>
    </form>
  );
}
