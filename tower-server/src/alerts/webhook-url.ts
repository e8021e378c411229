/** Slack's incoming-webhook host, the only host allowed unless an allowlist says otherwise. */
export const SLACK_WEBHOOK_HOST = 'hooks.slack.com';

/** Outcome of {@link checkWebhookUrl}. */
export type WebhookUrlCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/**
 * Validates an alert webhook URL, on save and again before each send: https to Slack's host, or
 * a host on the explicit allowlist (`host` or `host:port`), which may also use http (local
 * receivers in tests). No credentials in the URL, no other schemes — so a stored URL cannot be
 * turned into a request to an arbitrary internal service.
 */
export function checkWebhookUrl(raw: string, allowedHosts: readonly string[]): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (url.username || url.password)
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  const allowlisted = allowedHosts.some(
    (h) => h.toLowerCase() === url.host || h.toLowerCase() === url.hostname,
  );
  if (url.protocol === 'https:') {
    if (url.hostname === SLACK_WEBHOOK_HOST && (url.port === '' || url.port === '443'))
      return { ok: true, url };
    if (allowlisted) return { ok: true, url };
    return {
      ok: false,
      reason: `host ${url.hostname} is not allowed (only ${SLACK_WEBHOOK_HOST} or an allowlisted host)`,
    };
  }
  if (url.protocol === 'http:') {
    if (allowlisted) return { ok: true, url };
    return { ok: false, reason: 'webhook URLs must use https' };
  }
  return { ok: false, reason: 'webhook URLs must use https' };
}

/** A URL safe to show: origin and the last 4 characters of the path (the rest is the secret). */
export function maskWebhookUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const tail = url.pathname.length > 4 ? url.pathname.slice(-4) : '';
    return `${url.origin}/****${tail}`;
  } catch {
    return '****';
  }
}
