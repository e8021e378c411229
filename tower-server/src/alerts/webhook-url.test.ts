import { CircuitEventType } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { slackCircuitMessage } from './slack-message.js';
import { checkWebhookUrl, maskWebhookUrl } from './webhook-url.js';

describe('checkWebhookUrl', () => {
  it("accepts https on Slack's host only by default", () => {
    expect(checkWebhookUrl('https://hooks.slack.com/services/T0/B0/xyz', []).ok).toBe(true);
    expect(checkWebhookUrl('http://hooks.slack.com/services/T0/B0/xyz', []).ok).toBe(false);
    expect(checkWebhookUrl('https://evil.example.com/hook', []).ok).toBe(false);
    expect(checkWebhookUrl('https://hooks.slack.com.evil.example/x', []).ok).toBe(false);
    expect(checkWebhookUrl('https://user:pw@hooks.slack.com/x', []).ok).toBe(false);
    expect(checkWebhookUrl('file:///etc/passwd', []).ok).toBe(false);
    expect(checkWebhookUrl('not a url', []).ok).toBe(false);
  });

  it('accepts allowlisted hosts, over http too', () => {
    expect(checkWebhookUrl('http://127.0.0.1:4567/hook', ['127.0.0.1:4567']).ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1:4567/hook', ['127.0.0.1']).ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1:4568/hook', ['127.0.0.1:4567']).ok).toBe(false);
  });

  it('masks everything but the origin and the last 4 characters', () => {
    expect(maskWebhookUrl('https://hooks.slack.com/services/T0/B0/secretABCD')).toBe(
      'https://hooks.slack.com/****ABCD',
    );
  });
});

describe('slackCircuitMessage', () => {
  it('builds a Block Kit message with a header, the facts and the reason', () => {
    const m = slackCircuitMessage(
      {
        schemaVersion: 1,
        id: '1.checkout.4.opened',
        type: CircuitEventType.opened,
        appId: '1',
        flagKey: 'checkout',
        ruleVersion: 4,
        recoveryPercentage: 0,
        occurredAt: '2026-01-01T00:00:00.000Z',
        stats: { requests: 40, failures: 30, errorRatePercentage: 75, windowMs: 30_000 },
        reason: 'error rate <75%>',
      },
      { appId: '1', appTitle: 'Shop', flagKey: 'checkout', flagTitle: 'New checkout' },
    );
    expect(m.text).toContain('Circuit opened: checkout');
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const json = JSON.stringify(m.blocks);
    expect(json).toContain('75.0% (30/40 in 30 s)');
    expect(json).toContain('&lt;75%&gt;');
    expect(m.blocks.at(-1)).toMatchObject({ type: 'context' });
  });
});
