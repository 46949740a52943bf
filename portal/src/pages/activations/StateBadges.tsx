/** An activation's or a device's state: its name in a coloured badge (never the colour alone). */
import { Badge } from '@fluentui/react-components';
import {
  activationStateColors,
  activationStateLabels,
  recoveryStateColors,
  recoveryStateLabels,
} from '../../logic/activationStates';
import type { ActivationState, RecoveryState } from '../../logic/activationTypes';

export function ActivationStateBadge(props: { state: ActivationState; size?: 'medium' | 'large' }) {
  return (
    <Badge appearance="tint" size={props.size ?? 'medium'} color={activationStateColors[props.state]}>
      {activationStateLabels[props.state]}
    </Badge>
  );
}

export function RecoveryStateBadge(props: { state: RecoveryState }) {
  return (
    <Badge appearance="tint" color={recoveryStateColors[props.state]}>
      {recoveryStateLabels[props.state]}
    </Badge>
  );
}
