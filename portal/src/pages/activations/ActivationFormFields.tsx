/**
 * The activation request, as the admin fills it in: what to recover (a region, priority tiers, or
 * a pasted list), which devices go first, and how long a wave may take.
 */
import { Field, Input, Radio, RadioGroup, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ActivationDraft, FieldMessages, ScopeKind } from '../../logic/activationForm';
import { limits } from '../../logic/activationForm';
import { DeviceListField } from './DeviceListField';
import { RegionField } from './RegionField';
import { TierPicker } from './TierPicker';
import { validationOf } from './fieldValidation';
import type { RegionOption } from './useRegionOptions';

const useStyles = makeStyles({
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    maxWidth: '640px',
    marginBottom: tokens.spacingVerticalXL,
  },
  deadline: { maxWidth: '200px' },
});

export interface ActivationFormFieldsProps {
  draft: ActivationDraft;
  onChange: (draft: ActivationDraft) => void;
  errors: FieldMessages;
  notes: FieldMessages;
  regions?: readonly RegionOption[];
}

export function ActivationFormFields(props: ActivationFormFieldsProps) {
  const styles = useStyles();
  const { draft, errors, notes, regions } = props;
  const set = (changes: Partial<ActivationDraft>) => props.onChange({ ...draft, ...changes });
  return (
    <>
      <section className={styles.section} aria-labelledby="activate-scope">
        <Text as="h2" id="activate-scope" size={500} weight="semibold">
          1. What to recover
        </Text>
        <Field label="Scope" required>
          <RadioGroup
            value={draft.scopeKind}
            onChange={(_, data) => set({ scopeKind: data.value as ScopeKind })}
          >
            <Radio value="region" label="A region: every device whose primary region is down" />
            <Radio value="tiers" label="Priority tiers: the devices of the tiers you choose" />
            <Radio value="devices" label="A list of devices: paste their ids" />
          </RadioGroup>
        </Field>
        {draft.scopeKind === 'region' && (
          <RegionField
            label="Primary region that is down"
            hint="Every device of this tenant whose primary region this is."
            required
            value={draft.region}
            onChange={(region) => set({ region })}
            regions={regions}
            error={errors.region}
          />
        )}
        {draft.scopeKind === 'tiers' && (
          <>
            <TierPicker tiers={draft.tiers} onChange={(tiers) => set({ tiers })} error={errors.tiers} />
            <RegionField
              label="Only in this primary region (optional)"
              hint="Leave empty for the chosen tiers in every region."
              value={draft.tiersRegion}
              onChange={(tiersRegion) => set({ tiersRegion })}
              regions={regions}
              error={errors.tiersRegion}
            />
          </>
        )}
        {draft.scopeKind === 'devices' && (
          <DeviceListField
            label="Devices to recover"
            hint={`Device ids, one a line or separated by commas; at most ${limits.devices.toLocaleString('en-US')}.`}
            required
            value={draft.deviceText}
            onChange={(deviceText) => set({ deviceText })}
            error={errors.deviceIds}
            note={notes.deviceIds}
          />
        )}
      </section>
      <section className={styles.section} aria-labelledby="activate-order">
        <Text as="h2" id="activate-order" size={500} weight="semibold">
          2. Order and pace
        </Text>
        <DeviceListField
          label="Devices to recover first (optional)"
          hint="Recovered first, in this order, before the tiers: for example the on-call team's devices."
          value={draft.recoverFirstText}
          onChange={(recoverFirstText) => set({ recoverFirstText })}
          error={errors.recoverFirst}
          note={notes.recoverFirst}
        />
        <Field
          label="Wave deadline (minutes)"
          hint="A wave still unfinished after this long no longer holds back the next one."
          required
          {...validationOf(errors.waveDeadlineMinutes)}
        >
          <Input
            className={styles.deadline}
            type="number"
            inputMode="numeric"
            min={1}
            max={limits.waveDeadlineMinutes}
            step={1}
            value={draft.waveDeadlineMinutes}
            onChange={(_, data) => set({ waveDeadlineMinutes: data.value })}
          />
        </Field>
      </section>
    </>
  );
}
