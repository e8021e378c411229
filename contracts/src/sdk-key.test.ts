import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSdkKey, isSdkKeyString, parseSdkKey, SDK_KEY_PREFIX } from './sdk-key.js';

const creds = {
  appId: '42',
  keyId: '7',
  natsJwt: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2ln',
  secret: 'SUAM3ZQ5Y2Q4JJXAMPLESEEDONLYFORTESTSXXXXXXXXXXXXXXXXXXXXX',
  redisUser: 'tailslide-sdk-7',
};

describe('SDK key strings', () => {
  it('round-trips the credentials and keeps app and key id readable', () => {
    const key = encodeSdkKey(creds);
    expect(key.startsWith(`${SDK_KEY_PREFIX}42.7.`)).toBe(true);
    expect(isSdkKeyString(key)).toBe(true);
    expect(parseSdkKey(key)).toEqual({ ok: true, value: creds });
    expect(parseSdkKey(`  ${key}\n`)).toEqual({ ok: true, value: creds });
  });

  it('round-trips any credentials', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.stringMatching(/^[0-9]{1,18}$/),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        (appId, keyId, natsJwt, secret, redisUser) => {
          const c = { appId, keyId, natsJwt, secret, redisUser };
          expect(parseSdkKey(encodeSdkKey(c))).toEqual({ ok: true, value: c });
        },
      ),
    );
  });

  it('refuses old, foreign, truncated and altered keys with a clear message', () => {
    const key = encodeSdkKey(creds);
    const bad: [unknown, RegExp][] = [
      [undefined, /must be a string/],
      ['tsk_abc', /create a new key/],
      ['s3cret', /starts with "tsk1\."/],
      [key.slice(0, 20), /truncated or altered/],
      [key.slice(0, -5) + '!!!!!', /truncated or altered/],
      [`${SDK_KEY_PREFIX}42.7.${btoa('{"natsJwt":"x"}')}`, /no secret/],
      [`${SDK_KEY_PREFIX}4 2.7.e30`, /truncated or altered/],
    ];
    for (const [input, message] of bad) {
      const r = parseSdkKey(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(message);
    }
  });
});
