import { CircuitEventType, type FlagDto, type ServerToClientEvents } from '@tailslide/contracts';
import { eventually } from '@tailslide/test-support';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDashboard, startTestTower, type TestTower } from '../test/tower-fixture.js';
import { startTower, type RunningTower } from './server.js';

/** Every event of `name` a socket receives, in order. */
function record<E extends keyof ServerToClientEvents>(
  socket: Socket<ServerToClientEvents>,
  name: E,
): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  (socket as unknown as { on(e: string, f: (p: never) => void): void }).on(name, (p) =>
    seen.push(p),
  );
  return seen;
}

describe('two Towers of one platform', () => {
  let a: TestTower;
  let b: RunningTower;
  let appId: string;

  beforeAll(async () => {
    a = await startTestTower();
    // Same database, NATS names and consumer: a second instance behind the same load balancer.
    b = await startTower(a.options);
    const app = await a.api<{ id: string }>('POST', '/api/apps', { title: 'two towers' });
    appId = app.body.id;
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('pushes a change made through Tower A to a dashboard on Tower B, once, and not twice to A', async () => {
    const onA = await connectDashboard(a.tower.url, a.admin.headers);
    const onB = await connectDashboard(b.url, a.admin.headers);
    try {
      const changesA = record(onA, 'flag.changed');
      const changesB = record(onB, 'flag.changed');
      const auditB = record(onB, 'audit.appended');
      const flag = await a.createFlag(appId, 'shared');
      const toggled = await a.api<FlagDto>('POST', `/api/apps/${appId}/flags/shared/toggle`, {
        active: false,
      });
      expect(toggled.status).toBe(200);
      await eventually(() => {
        expect(changesB.map((c) => c.flag.version)).toEqual([flag.version, toggled.body.version]);
        return true;
      });
      expect(changesB.at(-1)?.flag.active).toBe(false);
      await eventually(() => auditB.some((e) => e.entry.action === 'flag.toggled_off'));
      // A's own dashboards got each change exactly once: its own echo from NATS is ignored.
      await eventually(() => changesA.length === 2);
      // A round trip through NATS after the last change: nothing else is on its way to A.
      await a.nc.flush();
      const ping = record(onA, 'app.changed');
      await a.api('PATCH', `/api/apps/${appId}`, { title: 'two towers, renamed' });
      await eventually(() => ping.length === 1);
      expect(changesA).toHaveLength(2);
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('applies a circuit event once between them (one consumer) and shows it on both', async () => {
    const onA = await connectDashboard(a.tower.url, a.admin.headers);
    const onB = await connectDashboard(b.url, a.admin.headers);
    try {
      const eventsA = record(onA, 'circuit.event');
      const eventsB = record(onB, 'circuit.event');
      const flag = await a.createFlag(appId, 'tripping');
      await a.publishEvent({
        type: CircuitEventType.opened,
        appId,
        flagKey: 'tripping',
        ruleVersion: flag.version,
      });
      await a.eventuallyCircuit(appId, 'tripping', 'open');
      await eventually(() => eventsA.length === 1 && eventsB.length === 1);
      const logs = await a.api<{ items: { action: string }[] }>(
        'GET',
        `/api/apps/${appId}/flags/tripping/logs`,
      );
      expect(logs.body.items.filter((e) => e.action === 'circuit.opened')).toHaveLength(1);
      // Each committed change is published by exactly one Tower's relay (rows claimed with
      // SKIP LOCKED): the two Towers' publish counts add up to the changes made in this file.
      const published = async (url: string) => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return [...text.matchAll(/^tower_outbox_published_total\{outcome="(\w+)"\} (\d+)$/gm)]
          .filter((m) => m[1] !== 'skipped_newer')
          .reduce((n, m) => n + Number(m[2]), 0);
      };
      // created shared, toggled shared, created tripping, opened tripping.
      await eventually(async () => (await published(a.tower.url)) + (await published(b.url)) === 4);
    } finally {
      onA.close();
      onB.close();
    }
  });
});
