/**
 * The tenant's page-blob disk scopes as rows (a region, a container, an optional name prefix), each
 * a labelled group so its fields are told apart, with the API's errors shown on the row they name.
 */
import { Button, Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { AddRegular, DeleteRegular } from '@fluentui/react-icons';
import { fieldState, type FieldErrors } from '../../logic/fieldErrors';
import { blankScopeRow, scopeIndexesOfRows, type PageBlobScopeRow } from '../../logic/tenantForm';

const useStyles = makeStyles({
  row: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: tokens.spacingHorizontalM,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalM,
    margin: `0 0 ${tokens.spacingVerticalS} 0`,
  },
  legend: { padding: `0 ${tokens.spacingHorizontalXS}` },
  field: { flex: '1 1 12rem', minWidth: '10rem' },
});

export function PageBlobScopeRows(props: {
  rows: readonly PageBlobScopeRow[];
  tenantId: string;
  errors: FieldErrors;
  onChange: (rows: PageBlobScopeRow[]) => void;
}) {
  const styles = useStyles();
  const { rows } = props;
  const indexes = scopeIndexesOfRows(rows);
  const change = (at: number, value: Partial<PageBlobScopeRow>) =>
    props.onChange(rows.map((row, i) => (i === at ? { ...row, ...value } : row)));
  return (
    <div>
      {rows.map((row, at) => {
        const path = indexes[at] === undefined ? undefined : `body.diskScopes.${indexes[at]}`;
        const state = (name: string) => (path ? fieldState(props.errors, `${path}.${name}`) : {});
        // An error about the scope as a whole (not one of its fields) is shown under its last field.
        const whole = path ? props.errors.get(path) : undefined;
        const prefixState = state('prefix');
        return (
          <fieldset key={at} className={styles.row}>
            <legend className={styles.legend}>Page-blob scope {at + 1}</legend>
            <Field label="Region" className={styles.field} {...state('region')}>
              <Input
                value={row.region}
                placeholder="westeurope"
                onChange={(_, data) => change(at, { region: data.value })}
              />
            </Field>
            <Field label="Container" className={styles.field} {...state('container')}>
              <Input
                value={row.container}
                placeholder="disks"
                onChange={(_, data) => change(at, { container: data.value })}
              />
            </Field>
            <Field
              label="Prefix (optional)"
              className={styles.field}
              {...(prefixState.validationMessage || !whole
                ? prefixState
                : { validationMessage: whole, validationState: 'error' as const })}
            >
              <Input
                value={row.prefix}
                placeholder={props.tenantId || 'tenant id'}
                onChange={(_, data) => change(at, { prefix: data.value })}
              />
            </Field>
            <Button
              icon={<DeleteRegular />}
              aria-label={`Remove page-blob scope ${at + 1}`}
              onClick={() => props.onChange(rows.filter((_, i) => i !== at))}
            />
          </fieldset>
        );
      })}
      <Button icon={<AddRegular />} onClick={() => props.onChange([...rows, blankScopeRow])}>
        Add page-blob scope
      </Button>
    </div>
  );
}
