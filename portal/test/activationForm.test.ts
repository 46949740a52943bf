import { describe, expect, it } from 'vitest';
import {
  buildActivationBody,
  emptyDraft,
  placeFieldProblems,
  type ActivationDraft,
} from '../src/logic/activationForm';

const draft = (changes: Partial<ActivationDraft>): ActivationDraft => ({ ...emptyDraft, ...changes });

describe('buildActivationBody', () => {
  it('makes a region scope with its first list in order and the default deadline', () => {
    expect(
      buildActivationBody(draft({ region: ' WestEurope ', recoverFirstText: 'cpc-0003\ncpc-0001' })),
    ).toEqual({
      body: {
        scope: { kind: 'region', region: 'westeurope' },
        recoverFirst: ['cpc-0003', 'cpc-0001'],
        waveDeadlineMinutes: 60,
      },
      notes: {},
    });
  });

  it('requires a region for a region scope', () => {
    expect(buildActivationBody(draft({ region: '' }))).toEqual({
      errors: { region: expect.stringContaining('region') as string },
    });
  });

  it('makes a tiers scope, sorted, with or without a region', () => {
    const withRegion = buildActivationBody(
      draft({ scopeKind: 'tiers', tiers: [3, 1], tiersRegion: 'westeurope' }),
    );
    expect(withRegion).toMatchObject({
      body: { scope: { kind: 'tiers', tiers: [1, 3], region: 'westeurope' } },
    });
    const everywhere = buildActivationBody(draft({ scopeKind: 'tiers', tiers: [2] }));
    expect(everywhere).toMatchObject({ body: { scope: { kind: 'tiers', tiers: [2] } } });
    expect('body' in everywhere && 'region' in everywhere.body.scope).toBe(false);
  });

  it('refuses tiers without any tier chosen', () => {
    expect(buildActivationBody(draft({ scopeKind: 'tiers', tiers: [] }))).toMatchObject({
      errors: { tiers: 'Choose at least one priority tier' },
    });
  });

  it('makes a device scope from pasted text, noting repeats it removed', () => {
    const built = buildActivationBody(draft({ scopeKind: 'devices', deviceText: 'a,b\na' }));
    expect(built).toMatchObject({
      body: { scope: { kind: 'devices', deviceIds: ['a', 'b'] } },
      notes: { deviceIds: expect.stringContaining('a') as string },
    });
  });

  it('names bad ids, an empty list and a bad deadline next to their fields', () => {
    const built = buildActivationBody(
      draft({
        scopeKind: 'devices',
        deviceText: '',
        recoverFirstText: 'ok-1 bad@id',
        waveDeadlineMinutes: '0',
      }),
    );
    expect(built).toEqual({
      errors: {
        deviceIds: 'Paste at least one device id',
        recoverFirst: 'Not device ids: bad@id',
        waveDeadlineMinutes: 'A whole number of minutes from 1 to 1440',
      },
    });
    expect(buildActivationBody(draft({ region: 'westeurope', waveDeadlineMinutes: '1.5' }))).toHaveProperty(
      'errors.waveDeadlineMinutes',
    );
    expect(buildActivationBody(draft({ region: 'westeurope', waveDeadlineMinutes: '1440' }))).toHaveProperty(
      'body.waveDeadlineMinutes',
      1440,
    );
  });

  it('refuses more devices first than the API takes', () => {
    const many = Array.from({ length: 1_001 }, (_, i) => `cpc-${i}`).join('\n');
    expect(buildActivationBody(draft({ region: 'westeurope', recoverFirstText: many }))).toHaveProperty(
      'errors.recoverFirst',
      'At most 1,000 devices (1,001 pasted)',
    );
  });
});

describe('placeFieldProblems', () => {
  const body = {
    scope: { kind: 'devices' as const, deviceIds: ['cpc-1', 'cpc-2'] },
    recoverFirst: ['cpc-9'],
    waveDeadlineMinutes: 60,
  };

  it("puts the API's field paths next to the form's fields, naming the listed device", () => {
    const placed = placeFieldProblems(
      [
        { field: 'body.scope.deviceIds.1', reason: 'is not valid' },
        { field: 'body.recoverFirst.0', reason: 'is not valid' },
        { field: 'body.waveDeadlineMinutes', reason: 'too big' },
        { field: 'headers.Idempotency-Key', reason: 'is required' },
      ],
      body,
    );
    expect(placed.byField).toEqual({
      deviceIds: 'cpc-2: is not valid',
      recoverFirst: 'cpc-9: is not valid',
      waveDeadlineMinutes: 'too big',
    });
    expect(placed.unplaced).toEqual([{ field: 'headers.Idempotency-Key', reason: 'is required' }]);
  });

  it("places a region error on the tiers' region when the scope is tiers", () => {
    const tiers = { ...body, scope: { kind: 'tiers' as const, tiers: [1], region: 'nowhere' } };
    expect(placeFieldProblems([{ field: 'body.scope.region', reason: 'unknown' }], tiers).byField).toEqual({
      tiersRegion: 'unknown',
    });
    const region = { ...body, scope: { kind: 'region' as const, region: 'nowhere' } };
    expect(placeFieldProblems([{ field: 'body.scope.region', reason: 'unknown' }], region).byField).toEqual({
      region: 'unknown',
    });
  });
});
