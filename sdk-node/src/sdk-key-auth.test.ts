import { createUser, fromPublic } from '@nats-io/jwt';
import { describe, expect, it } from 'vitest';
import { nkeySeedBytes, sdkKeyAuthenticator } from './sdk-key-auth.js';

const key = (secret: string) => ({
  appId: '1',
  keyId: '1',
  natsJwt: 'eyJ0eXAiOiJKV1QifQ.e30.sig',
  secret,
  redisUser: 'tailslide:sdk:1',
});

describe('sdkKeyAuthenticator', () => {
  it("signs the server's nonce with node:crypto so the user's public key verifies it", () => {
    const user = createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    const auth = sdkKeyAuthenticator(key(seed))('nonce-ABCdef_123') as {
      jwt: string;
      sig?: string;
      nkey?: string;
    };
    expect(auth.jwt).toBe(key(seed).natsJwt);
    expect(auth.nkey).toBeUndefined(); // the server takes the key from the JWT
    const sig = Buffer.from(auth.sig ?? '', 'base64url');
    expect(sig).toHaveLength(64);
    const pub = fromPublic(user.getPublicKey());
    expect(pub.verify(new TextEncoder().encode('nonce-ABCdef_123'), sig)).toBe(true);
    expect(pub.verify(new TextEncoder().encode('another nonce'), sig)).toBe(false);
  });

  it('sends the JWT alone when the server gives no nonce', () => {
    const seed = new TextDecoder().decode(createUser().getSeed());
    expect(sdkKeyAuthenticator(key(seed))()).toEqual({ jwt: key(seed).natsJwt });
  });

  it('reads only well-formed user seeds (prefix, length, checksum)', () => {
    const seed = new TextDecoder().decode(createUser().getSeed());
    expect(nkeySeedBytes(seed)).toHaveLength(32);
    expect(nkeySeedBytes(seed.slice(0, -1) + (seed.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(nkeySeedBytes(seed.slice(1))).toBeNull();
    expect(nkeySeedBytes('SUAM3ZQ5Y2Q4JJXAMPLESEEDONLYFORTESTSXXXXXXXXXXXXXXXXXXXXX')).toBeNull();
    expect(nkeySeedBytes('not a seed')).toBeNull();
    // A public key is not a seed.
    expect(nkeySeedBytes(createUser().getPublicKey())).toBeNull();
  });
});
