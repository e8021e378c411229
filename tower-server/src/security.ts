import type { IncomingHttpHeaders } from 'node:http';
import type { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import { errorBody } from './errors.js';

/**
 * Express's `trust proxy` setting: `false` (the default: the client is the TCP peer), `true`
 * (any proxy), a hop count, or addresses/subnets (`loopback`, `10.0.0.0/8`, ...).
 */
export type TrustProxy = boolean | number | readonly string[];

/** How Tower is reached by browsers; read once from the configuration. */
export interface BrowserSecurityOptions {
  /**
   * `TAILSLIDE_PUBLIC_URL`: the origin people type (`https://flags.example.com`). Its host name is
   * the only non-loopback `Host` Tower answers; its scheme decides HSTS and the CSP upgrade.
   * Without it Tower answers only loopback names (development).
   */
  readonly publicUrl?: URL;
  /** `TRUST_PROXY`: who may set `X-Forwarded-Proto` / `X-Forwarded-For`. @default false */
  readonly trustProxy?: TrustProxy;
}

/** Names every Tower answers to: only a process on this machine (or a proxy on it) uses them. */
const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Paths probes and scrapers call by IP address; read-only and secret-free, so no Host check. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Methods that never change anything (RFC 9110 safe methods). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a `Host` header value (`Tower.Example:3000` → `tower.example`), or null. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  // Only host[:port]: a value such as `a/b` or `a@b` would parse to some other host.
  if (!hostHeader || !/^[^\s/?#@\\]+$/.test(hostHeader)) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return null;
  }
}

/**
 * The pure decisions of browser safety (no Express): which `Host` headers and which `Origin`s are
 * Tower's own. Shared by the HTTP middleware and the socket.io handshake.
 */
export class BrowserPolicy {
  readonly #hostnames: ReadonlySet<string>;
  readonly #publicOrigin: string | null;
  /** Whether the public URL is https (HSTS, CSP `upgrade-insecure-requests`, Secure cookies). */
  readonly https: boolean;

  constructor(publicUrl?: URL) {
    this.#hostnames = new Set([...LOOPBACK_HOSTNAMES, ...(publicUrl ? [publicUrl.hostname] : [])]);
    this.#publicOrigin = publicUrl?.origin ?? null;
    this.https = publicUrl?.protocol === 'https:';
  }

  /**
   * Whether a `Host` header names this Tower. Anything else is DNS rebinding (a page whose name
   * now resolves to Tower) or a misrouted request.
   */
  allowsHost(hostHeader: string | undefined): boolean {
    const name = hostnameOf(hostHeader);
    return name !== null && this.#hostnames.has(name);
  }

  /**
   * Why a request that a browser may have sent on behalf of another site is refused, or null when
   * it is Tower's own page (or no browser at all: scripts send neither header). As Go's
   * `http.CrossOriginProtection`: modern browsers send `Sec-Fetch-Site`, which decides alone;
   * otherwise `Origin` must be the public URL's origin or that of the (allowed) host the request
   * was sent to.
   */
  crossSiteReason(headers: IncomingHttpHeaders): string | null {
    const site = headers['sec-fetch-site'];
    if (typeof site === 'string') {
      return site === 'same-origin' || site === 'none'
        ? null
        : `requests from other sites are refused (Sec-Fetch-Site: ${site})`;
    }
    const origin = headers.origin;
    if (origin === undefined) return null;
    if (origin === this.#publicOrigin) return null;
    let url: URL | null;
    try {
      url = origin === 'null' ? null : new URL(origin);
    } catch {
      url = null;
    }
    if (url && url.host === headers.host?.toLowerCase() && this.#hostnames.has(url.hostname)) {
      return null;
    }
    return `requests from origin ${origin} are refused`;
  }
}

/**
 * Installs the browser-facing defences, before any route: `trust proxy`, the `Host` allow-list,
 * helmet with a CSP and HSTS that follow the public URL's scheme, and the cross-site check of
 * every non-safe method (CSRF; the session cookie is also SameSite=Lax).
 */
export function installBrowserSecurity(
  app: Express,
  options: BrowserSecurityOptions,
): BrowserPolicy {
  const policy = new BrowserPolicy(options.publicUrl);
  const trust = options.trustProxy ?? false;
  app.set('trust proxy', typeof trust === 'object' ? [...trust] : trust);

  const hostCheck: RequestHandler = (req, res, next) => {
    if (PROBE_PATHS.has(req.path) || policy.allowsHost(req.headers.host)) {
      next();
      return;
    }
    res
      .status(421)
      .json(
        errorBody(
          'host_not_allowed',
          'this Tower does not answer to that host name; set TAILSLIDE_PUBLIC_URL to the URL people use',
        ),
      );
  };
  app.use(hostCheck);

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        // Over plain http the upgrade makes the browser fetch every asset over https: a blank page.
        directives: { 'upgrade-insecure-requests': policy.https ? [] : null },
      },
      strictTransportSecurity: false,
    }),
  );
  const hsts = helmet.strictTransportSecurity();
  // HSTS only when the public URL is https and this request came over TLS (directly, or as the
  // proxy says in X-Forwarded-Proto when TRUST_PROXY trusts it); over http browsers ignore it.
  app.use((req, res, next) => {
    if (policy.https && req.secure) hsts(req, res, next);
    else next();
  });

  const csrf: RequestHandler = (req, res, next) => {
    const reason = SAFE_METHODS.has(req.method) ? null : policy.crossSiteReason(req.headers);
    if (reason === null) {
      next();
      return;
    }
    res.status(403).json(errorBody('cross_site_request', reason));
  };
  app.use(csrf);
  return policy;
}

/**
 * Parses `TAILSLIDE_PUBLIC_URL`: an http(s) origin, optionally with a trailing `/`. Throws a
 * readable error otherwise (a path would not be served: the dashboard lives at the root).
 */
export function parsePublicUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`must be http:// or https://, not ${url.protocol}`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new Error(`must be an origin such as https://flags.example.com, not ${value}`);
  }
  return url;
}

/**
 * Parses `TRUST_PROXY`: `false` / empty (default), `true`, a hop count (`1`), or a comma-separated
 * list of addresses, subnets or Express's names (`loopback`, `uniquelocal`, `10.0.0.0/8`).
 */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}
