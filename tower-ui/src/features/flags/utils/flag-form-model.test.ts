import { DEFAULT_CIRCUIT_SETTINGS, type FlagDto } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import {
  flagToFormValues,
  hasOneDecimalStep,
  serverFieldErrors,
  suggestKey,
  toCreateBody,
  toUpdateBody,
  validateFlagForm,
  type FlagFormValues,
} from './flag-form-model.js';

const base = (): FlagFormValues => ({
  ...flagToFormValues(null),
  title: 'New checkout',
  key: 'new-checkout',
});

describe('flagToFormValues', () => {
  it('starts a new flag from the documented circuit defaults, with durations in seconds', () => {
    const v = flagToFormValues(null);
    expect(v.windowSeconds).toBe(String(DEFAULT_CIRCUIT_SETTINGS.windowMs / 1000));
    expect(v.errorThresholdPercentage).toBe('50');
    expect(v.slowCallMs).toBe('');
    expect(v.active).toBe(false);
  });
});

describe('validateFlagForm', () => {
  it('turns valid values into API settings in ms', () => {
    const r = validateFlagForm({
      ...base(),
      windowSeconds: '2.5',
      slowCallMs: '800',
      rolloutPercentage: '12.5',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.circuit.windowMs).toBe(2500);
    expect(r.circuit.slowCallMs).toBe(800);
    expect(r.rolloutPercentage).toBe(12.5);
  });
  it('rejects a rollout above 100 or finer than 0.1', () => {
    const over = validateFlagForm({ ...base(), rolloutPercentage: '101' });
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.errors.rolloutPercentage).toMatch(/at most 100/);
    const fine = validateFlagForm({ ...base(), rolloutPercentage: '12.25' });
    if (!fine.ok) expect(fine.errors.rolloutPercentage).toMatch(/0\.1/);
    else expect.fail('12.25 accepted');
  });
  it('requires a title and a token key', () => {
    const r = validateFlagForm({ ...base(), title: ' ', key: 'has space' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.title).toBeDefined();
    expect(r.errors.key).toMatch(/letters/);
  });
  it('rejects non-numbers and fractional request counts', () => {
    const r = validateFlagForm({
      ...base(),
      minimumRequests: '2.5',
      errorThresholdPercentage: 'abc',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.minimumRequests).toMatch(/whole/);
    expect(r.errors.errorThresholdPercentage).toMatch(/number/);
  });
});

describe('request bodies', () => {
  it('trims text and pins edits to the version they were based on', () => {
    const v = { ...base(), title: '  Spaced  ', whitelist: ['alice'] };
    const r = validateFlagForm(v);
    if (!r.ok) return expect.fail('invalid');
    expect(toCreateBody(v, r)).toMatchObject({
      key: 'new-checkout',
      title: 'Spaced',
      whitelist: ['alice'],
    });
    expect(toUpdateBody(v, r, 7)).toMatchObject({ title: 'Spaced', version: 7 });
    expect(toUpdateBody(v, r, 7)).not.toHaveProperty('key');
  });
  it('round-trips an existing flag', () => {
    const flag = {
      id: '1',
      appId: '1',
      key: 'k',
      title: 'K',
      description: '',
      active: true,
      rolloutPercentage: 33.3,
      whitelist: ['u1'],
      circuit: { ...DEFAULT_CIRCUIT_SETTINGS, slowCallMs: 250 },
      circuitStatus: {
        state: 'closed',
        recoveryPercentage: 100,
        changedAt: '2026-01-01T00:00:00Z',
      },
      alertWebhookIds: [],
      version: 3,
      createdAt: '',
      updatedAt: '',
    } satisfies FlagDto;
    const r = validateFlagForm(flagToFormValues(flag));
    if (!r.ok) return expect.fail(JSON.stringify(r.errors));
    expect(r.circuit).toEqual(flag.circuit);
    expect(r.rolloutPercentage).toBe(33.3);
  });
});

describe('helpers', () => {
  it('suggests a key from a title', () => {
    expect(suggestKey('Nouveau Paiement (v2)!')).toBe('nouveau-paiement-v2');
  });
  it('accepts tenths despite floating point', () => {
    expect(hasOneDecimalStep(0.3)).toBe(true);
    expect(hasOneDecimalStep(99.9)).toBe(true);
    expect(hasOneDecimalStep(0.05)).toBe(false);
  });
  it('maps server validation details onto fields', () => {
    expect(
      serverFieldErrors([
        { path: ['circuit', 'windowMs'], message: 'too small' },
        { path: 'rolloutPercentage', message: 'too big' },
      ]),
    ).toEqual({ windowSeconds: 'too small', rolloutPercentage: 'too big' });
    expect(serverFieldErrors({ fieldErrors: { title: ['required'] } })).toEqual({
      title: 'required',
    });
    expect(serverFieldErrors('nonsense')).toEqual({});
  });
});
