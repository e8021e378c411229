import { CircuitEventType, circuitEventSubject } from '@tailslide/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, makeRule } from '../test/fixtures.js';
import { uniqueNames, connectNats } from '../test/harness.js';
import { decide } from './circuit.js';
import { ensureCircuitStream } from '@tailslide/server-kit';
import { EventPublisher } from './event-publisher.js';

let nats: NatsConnection;
beforeAll(async () => {
  nats = await connectNats();
});
afterAll(async () => {
  await nats.close();
});

describe('EventPublisher', () => {
  it('stores a retried event once (Nats-Msg-Id = event id) on its own subject', async () => {
    const names = uniqueNames();
    const jsm = await jetstreamManager(nats);
    await ensureCircuitStream(jsm, {
      stream: names.circuitStream,
      subjectRoot: names.circuitSubjectRoot,
    });
    try {
      // Creating it again (as Tower or a second Airbag would) leaves it alone.
      await ensureCircuitStream(jsm, {
        stream: names.circuitStream,
        subjectRoot: names.circuitSubjectRoot,
      });
      const info = await jsm.streams.info(names.circuitStream);
      expect(info.config.duplicate_window).toBe(2 * 60 * 1e9);
      const d = decide({
        rule: makeRule(),
        window: { requests: 30, failures: 30, errorRatePercentage: 100, windowMs: 30_000 },
        now: T0,
      });
      if (d.kind !== 'publish') throw new Error('expected a decision');
      const publisher = new EventPublisher({
        js: jetstream(nats),
        subjectRoot: names.circuitSubjectRoot,
      });
      const first = await publisher.publish(d.event);
      const again = await publisher.publish({
        ...d.event,
        occurredAt: new Date(T0 + 1000).toISOString(),
      });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);
      expect(again.seq).toBe(first.seq);
      const stored = await jsm.streams.getMessage(names.circuitStream, { seq: first.seq });
      expect(stored?.subject).toBe(
        circuitEventSubject('app1', 'flag1', 'opened', names.circuitSubjectRoot),
      );
      expect(stored?.header.get('Nats-Msg-Id')).toBe(d.event.id);
      expect(d.event.type).toBe(CircuitEventType.opened);
      expect((await jsm.streams.info(names.circuitStream)).state.messages).toBe(1);
    } finally {
      await jsm.streams.delete(names.circuitStream);
    }
  });
});
