/**
 * The activation form: what the admin fills in (a draft, all text as typed), the request body it
 * stands for, and the API's field errors put back next to the fields they name. The rules mirror
 * the API's (src/http/schemas/activationSchemas.ts) so most mistakes are shown before a request;
 * the API stays the judge.
 */
import type { FieldProblem } from '../api/ApiError';
import type { ActivationBody } from './activationTypes';
import { parseDeviceList, someOf } from './deviceListText';

export type ScopeKind = ActivationBody['scope']['kind'];

export interface ActivationDraft {
  scopeKind: ScopeKind;
  region: string;
  tiers: number[];
  /** Optional: tiers within one region. */
  tiersRegion: string;
  deviceText: string;
  recoverFirstText: string;
  waveDeadlineMinutes: string;
}

export const emptyDraft: ActivationDraft = {
  scopeKind: 'region',
  region: '',
  tiers: [],
  tiersRegion: '',
  deviceText: '',
  recoverFirstText: '',
  waveDeadlineMinutes: '60',
};

export const allTiers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

export type FormField =
  'region' | 'tiers' | 'tiersRegion' | 'deviceIds' | 'recoverFirst' | 'waveDeadlineMinutes';
export type FieldMessages = Partial<Record<FormField, string>>;

export const limits = { devices: 50_000, recoverFirst: 1_000, waveDeadlineMinutes: 1_440 } as const;

const regionPattern = /^[a-z][a-z0-9-]{1,39}$/;

export type BuiltBody = { body: ActivationBody; notes: FieldMessages } | { errors: FieldMessages };

/** The body the draft stands for, or why it stands for none (per field). */
export function buildActivationBody(draft: ActivationDraft): BuiltBody {
  const errors: FieldMessages = {};
  const notes: FieldMessages = {};
  let scope: ActivationBody['scope'] | undefined;

  if (draft.scopeKind === 'region') {
    const region = normaliseRegion(draft.region);
    const problem = regionProblem(region, true);
    if (problem) errors.region = problem;
    else scope = { kind: 'region', region };
  } else if (draft.scopeKind === 'tiers') {
    const region = normaliseRegion(draft.tiersRegion);
    const problem = regionProblem(region, false);
    if (problem) errors.tiersRegion = problem;
    if (draft.tiers.length === 0) errors.tiers = 'Choose at least one priority tier';
    if (!problem && draft.tiers.length > 0) {
      const tiers = [...new Set(draft.tiers)].sort((a, b) => a - b);
      scope = region ? { kind: 'tiers', tiers, region } : { kind: 'tiers', tiers };
    }
  } else {
    const list = listOf(draft.deviceText, 'deviceIds', limits.devices, errors, notes);
    if (list && list.length === 0) errors.deviceIds = 'Paste at least one device id';
    else if (list) scope = { kind: 'devices', deviceIds: list };
  }

  const recoverFirst = listOf(draft.recoverFirstText, 'recoverFirst', limits.recoverFirst, errors, notes);
  const minutes = draft.waveDeadlineMinutes.trim();
  const waveDeadlineMinutes = /^\d+$/.test(minutes) ? Number(minutes) : NaN;
  if (!(waveDeadlineMinutes >= 1 && waveDeadlineMinutes <= limits.waveDeadlineMinutes))
    errors.waveDeadlineMinutes = `A whole number of minutes from 1 to ${limits.waveDeadlineMinutes}`;

  if (!scope || !recoverFirst || Object.keys(errors).length > 0) return { errors };
  return { body: { scope, recoverFirst, waveDeadlineMinutes }, notes };
}

function normaliseRegion(text: string): string {
  return text.trim().toLowerCase();
}

function regionProblem(region: string, required: boolean): string | undefined {
  if (region === '') return required ? 'Choose or type the primary region that is down' : undefined;
  return regionPattern.test(region)
    ? undefined
    : 'A region name such as westeurope: letters, digits and dashes';
}

function listOf(
  text: string,
  field: 'deviceIds' | 'recoverFirst',
  max: number,
  errors: FieldMessages,
  notes: FieldMessages,
): string[] | undefined {
  const list = parseDeviceList(text);
  if (list.invalid.length > 0) {
    errors[field] = `Not device ids: ${someOf(list.invalid)}`;
    return undefined;
  }
  if (list.ids.length > max) {
    errors[field] =
      `At most ${max.toLocaleString('en-US')} devices (${list.ids.length.toLocaleString('en-US')} pasted)`;
    return undefined;
  }
  if (list.repeated.length > 0)
    notes[field] = `Listed more than once, kept at its first place: ${someOf(list.repeated)}`;
  return list.ids;
}

export interface PlacedProblems {
  byField: FieldMessages;
  /** Field errors that name no field of the form (shown in the error bar only). */
  unplaced: FieldProblem[];
}

/**
 * The API's field errors (`body.scope.deviceIds.3`) next to the form's fields; an indexed error
 * names the device it is about, since the admin pasted a list, not indexes.
 */
export function placeFieldProblems(problems: readonly FieldProblem[], body: ActivationBody): PlacedProblems {
  const byField: FieldMessages = {};
  const unplaced: FieldProblem[] = [];
  for (const problem of problems) {
    const [where, first, second, third] = problem.field.split('.');
    let field: FormField | undefined;
    let list: readonly string[] | undefined;
    let index: string | undefined;
    if (where === 'body' && first === 'scope') {
      if (second === 'region') field = body.scope.kind === 'tiers' ? 'tiersRegion' : 'region';
      else if (second === 'tiers') field = 'tiers';
      else if (second === 'deviceIds' && body.scope.kind === 'devices') {
        field = 'deviceIds';
        list = body.scope.deviceIds;
        index = third;
      }
    } else if (where === 'body' && first === 'recoverFirst') {
      field = 'recoverFirst';
      list = body.recoverFirst ?? [];
      index = second;
    } else if (where === 'body' && first === 'waveDeadlineMinutes') field = 'waveDeadlineMinutes';
    if (!field) {
      unplaced.push(problem);
      continue;
    }
    const item = index !== undefined && /^\d+$/.test(index) ? list?.[Number(index)] : undefined;
    const message = item === undefined ? problem.reason : `${item}: ${problem.reason}`;
    byField[field] = byField[field] ? `${byField[field]}; ${message}` : message;
  }
  return { byField, unplaced };
}
