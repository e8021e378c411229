import { describe, expect, it } from 'vitest';
import { recoveryAfter } from './transition.js';

describe('recoveryAfter', () => {
  it('reads the percentage a step left the flag at from the changed fields', () => {
    const changes = [
      { field: 'circuitStatus.recoveryPercentage', before: 10, after: 25 },
      { field: 'circuitStatus.changedAt', before: 'a', after: 'b' },
    ];
    expect(recoveryAfter({ changes })).toBe(25);
  });

  it('is null when the transition did not change the percentage', () => {
    const changes = [{ field: 'circuitStatus.state', before: 'closed', after: 'open' }];
    expect(recoveryAfter({ changes })).toBeNull();
  });

  it('still reads rows written before changes existed (whole after entity)', () => {
    expect(
      recoveryAfter({ changes: [], after: { circuitStatus: { recoveryPercentage: 50 } } }),
    ).toBe(50);
  });
});
