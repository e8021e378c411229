import { describe, expect, it } from 'vitest';
import { BrowserPolicy, hostnameOf, parsePublicUrl, parseTrustProxy } from './security.js';

describe('hostnameOf', () => {
  it('reads the host name of a Host header, lower-cased, without the port', () => {
    expect(hostnameOf('Tower.Example:3000')).toBe('tower.example');
    expect(hostnameOf('127.0.0.1:80')).toBe('127.0.0.1');
    expect(hostnameOf('[::1]:3000')).toBe('[::1]');
  });

  it('refuses values that are not just host[:port]', () => {
    for (const bad of [
      undefined,
      '',
      'a/b',
      'evil.test@localhost',
      'localhost?x',
      'a b',
      'x:y:z',
    ]) {
      expect(hostnameOf(bad)).toBeNull();
    }
  });
});

describe('BrowserPolicy', () => {
  const policy = new BrowserPolicy(new URL('http://tailslide.test:3000'));

  it('answers the public host name and loopback names only (DNS rebinding)', () => {
    expect(policy.allowsHost('tailslide.test:3000')).toBe(true);
    expect(policy.allowsHost('TAILSLIDE.TEST')).toBe(true);
    expect(policy.allowsHost('localhost:3000')).toBe(true);
    expect(policy.allowsHost('127.0.0.1:3000')).toBe(true);
    expect(policy.allowsHost('[::1]:3000')).toBe(true);
    expect(policy.allowsHost('attacker.example:3000')).toBe(false);
    expect(policy.allowsHost('10.0.0.5:3000')).toBe(false);
    expect(policy.allowsHost(undefined)).toBe(false);
  });

  it('answers loopback names only without a public URL', () => {
    const dev = new BrowserPolicy();
    expect(dev.allowsHost('localhost:5173')).toBe(true);
    expect(dev.allowsHost('tailslide.test')).toBe(false);
    expect(dev.https).toBe(false);
  });

  it('accepts requests without browser headers (scripts) and from its own origin', () => {
    expect(policy.crossSiteReason({ host: 'tailslide.test:3000' })).toBeNull();
    expect(
      policy.crossSiteReason({ host: '127.0.0.1:3000', origin: 'http://tailslide.test:3000' }),
    ).toBeNull();
    expect(
      policy.crossSiteReason({ host: 'localhost:3000', origin: 'http://localhost:3000' }),
    ).toBeNull();
    expect(
      policy.crossSiteReason({
        host: 'tailslide.test:3000',
        origin: 'http://tailslide.test:3000',
        'sec-fetch-site': 'same-origin',
      }),
    ).toBeNull();
    expect(policy.crossSiteReason({ host: 'tailslide.test:3000', 'sec-fetch-site': 'none' })).toBe(
      null,
    );
  });

  it('refuses another site, a sibling subdomain and an opaque origin', () => {
    expect(
      policy.crossSiteReason({ host: 'tailslide.test:3000', 'sec-fetch-site': 'cross-site' }),
    ).toMatch(/cross-site/);
    expect(
      policy.crossSiteReason({ host: 'tailslide.test:3000', 'sec-fetch-site': 'same-site' }),
    ).toMatch(/same-site/);
    expect(
      policy.crossSiteReason({ host: 'tailslide.test:3000', origin: 'http://evil.test' }),
    ).toMatch(/evil\.test/);
    expect(policy.crossSiteReason({ host: 'tailslide.test:3000', origin: 'null' })).not.toBeNull();
    // An origin naming the request's own host counts only when that host is allowed.
    expect(
      policy.crossSiteReason({ host: 'evil.test', origin: 'http://evil.test' }),
    ).not.toBeNull();
    expect(
      policy.crossSiteReason({ host: 'tailslide.test:3000', origin: 'http://tailslide.test:4000' }),
    ).not.toBeNull();
  });
});

describe('parsePublicUrl', () => {
  it('accepts an http(s) origin, with or without a trailing slash', () => {
    expect(parsePublicUrl('https://flags.example.com').origin).toBe('https://flags.example.com');
    expect(parsePublicUrl('http://tailslide.test:3000/').host).toBe('tailslide.test:3000');
  });

  it('refuses other schemes, paths, queries and credentials with a readable message', () => {
    expect(() => parsePublicUrl('flags.example.com')).toThrow(/not a URL/);
    expect(() => parsePublicUrl('ftp://flags.example.com')).toThrow(/http/);
    expect(() => parsePublicUrl('https://example.com/flags')).toThrow(/origin/);
    expect(() => parsePublicUrl('https://u:p@example.com')).toThrow(/origin/);
  });
});

describe('parseTrustProxy', () => {
  it('reads false, true, a hop count or a list of addresses', () => {
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toEqual(['loopback', '10.0.0.0/8']);
  });
});
