/** Priority tiers 1 (first) to 10, any number of them, as a labelled group of checkboxes. */
import { Checkbox, Field, makeStyles, tokens } from '@fluentui/react-components';
import { allTiers } from '../../logic/activationForm';
import { validationOf } from './fieldValidation';

const useStyles = makeStyles({
  group: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS },
});

export function TierPicker(props: {
  tiers: readonly number[];
  onChange: (tiers: number[]) => void;
  error?: string;
}) {
  const styles = useStyles();
  const toggle = (tier: number, on: boolean) =>
    props.onChange(on ? [...props.tiers, tier].sort((a, b) => a - b) : props.tiers.filter((t) => t !== tier));
  return (
    <Field
      label="Priority tiers"
      hint="Tier 1 is recovered first. Devices of the other tiers are not recovered."
      required
      {...validationOf(props.error)}
    >
      <div role="group" className={styles.group}>
        {allTiers.map((tier) => (
          <Checkbox
            key={tier}
            label={`Tier ${tier}`}
            checked={props.tiers.includes(tier)}
            onChange={(_, data) => toggle(tier, data.checked === true)}
          />
        ))}
      </div>
    </Field>
  );
}
