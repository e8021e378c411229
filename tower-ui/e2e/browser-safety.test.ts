import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDto, Page } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@tailslide/contracts';
import { browserSuite, openPage, screenshot } from './harness.js';

/** The names Chromium resolves to this machine: Tower's public name and another site's. */
const RESOLVER = '--host-resolver-rules=MAP tailslide.test 127.0.0.1, MAP evil.test 127.0.0.1';

// Over plain http on any name but localhost, Chromium applies `upgrade-insecure-requests` and
// HSTS: these tests load Tower the way a colleague on the network does.
describe('dashboard over http on a non-localhost name', { timeout: 30_000 }, () => {
  let evil: Server;
  let evilUrl = '';
  const suite = browserSuite(undefined, () => ({ publicUrl: new URL('http://tailslide.test') }), [
    RESOLVER,
  ]);
  const towerUrl = () => `http://tailslide.test:${new URL(suite.stack.tower.url).port}`;
  /** A page signed in as the admin on Tower's public name (the harness signs in on 127.0.0.1). */
  const openSignedIn = async () => {
    const opened = await openPage(suite.browser);
    await opened.page
      .context()
      .addCookies([
        { name: SESSION_COOKIE, value: suite.stack.admin.sessionCookie, url: towerUrl() },
      ]);
    return opened;
  };

  beforeAll(async () => {
    // Another site: a blank page on evil.test, from which scripts try to reach Tower.
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Elsewhere</title><p>elsewhere</p>');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://evil.test:${(evil.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => evil?.close(() => resolve()));
  });

  /** Opens a WebSocket to Tower's socket.io from the page; resolves whether it opened. */
  const socketOpens = (url: string) => `new Promise((resolve) => {
    const ws = new WebSocket(${JSON.stringify(url)});
    ws.onopen = () => { ws.close(); resolve(true); };
    ws.onerror = () => resolve(false);
  })`;

  it('shows the apps page, live', async () => {
    const { page, errors } = await openSignedIn();
    await page.goto(`${towerUrl()}/apps`);
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    await page.getByText('No apps yet.').waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(new URL(page.url()).protocol).toBe('http:');
    await screenshot(page, 'apps-over-http-name-1280');
    expect(errors).toEqual([]);
  });

  it('refuses a write and a socket from a page on another origin', async () => {
    const { page } = await openPage(suite.browser);
    await page.goto(evilUrl);
    await page.getByText('elsewhere').waitFor();
    const ws = `ws://tailslide.test:${new URL(suite.stack.tower.url).port}/socket.io/?EIO=4&transport=websocket`;
    expect(await page.evaluate(socketOpens(ws))).toBe(false);

    const refused = page.waitForResponse((r) => r.url().endsWith('/api/apps'));
    // A form POST: the classic CSRF shape, sent without a preflight (and with cookies when
    // SameSite allows them); as a navigation its answer is visible to the test.
    await page.evaluate((url) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = url;
      form.enctype = 'text/plain';
      const field = document.createElement('input');
      field.name = '{"title":"Forged","x":"';
      field.value = '"}';
      form.append(field);
      document.body.append(form);
      form.submit();
    }, `${towerUrl()}/api/apps`);
    expect((await refused).status()).toBe(403);
    await page.getByText('cross_site_request').waitFor();
    const apps = await suite.stack.api<Page<AppDto>>('GET', '/apps?limit=200');
    expect(JSON.stringify(apps.body)).not.toContain('Forged');
    // The same socket opens from Tower's own page.
    const own = await openSignedIn();
    await own.page.goto(`${towerUrl()}/apps`);
    expect(await own.page.evaluate(socketOpens(ws))).toBe(true);
  });
});
