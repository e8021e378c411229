import { describe, expect, it } from 'vitest';
import * as pkg from '@tailslide/airbag';

describe('@tailslide/airbag entry point', () => {
  it('resolves by package name and exports the public API', () => {
    expect(typeof pkg.startAirbag).toBe('function');
    expect(typeof pkg.createHttpServer).toBe('function');
    expect(typeof pkg.decide).toBe('function');
    expect(typeof pkg.windowErrorRate).toBe('function');
    expect(pkg.RECOVERY_HYSTERESIS_RATIO).toBe(0.8);
  });
});
