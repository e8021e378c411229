// One SDK process of the story bench (bench/story/run.mjs forks two). It runs a real FlagManager,
// makes calls guarded by flags at the rates and failure shares the bench asks for (IPC messages),
// and reports, with its wall-clock time, every change of a watched flag for user `user-1`.
import { FlagManager } from '@tailslide/sdk-node';

const [appId, natsUrl, redisUrl, flagsBucket, redisPrefix] = process.argv.slice(2);
const quiet = () => undefined;
const manager = new FlagManager({
  appId,
  nats: natsUrl,
  redis: redisUrl,
  flagsBucket,
  redisPrefix,
  logger: { error: quiet, warn: quiet, info: quiet, debug: quiet },
});
await manager.initialize();

/** flagKey → { toggler, rps, failurePct, carry } */
const traffic = new Map();
const watched = new Map();
const now = () => performance.timeOrigin + performance.now();

function report(flagKey) {
  const on = manager.evaluate(flagKey, 'user-1', false).value;
  if (watched.get(flagKey) === on) return;
  watched.set(flagKey, on);
  process.send({ type: 'state', flagKey, on, at: now() });
}
manager.on('changed', ({ flags }) => {
  for (const f of flags) if (watched.has(f)) report(f);
});

let user = 0;
const TICK_MS = 10;
const timer = setInterval(() => {
  for (const t of traffic.values()) {
    t.carry += (t.rps * TICK_MS) / 1000;
    while (t.carry >= 1) {
      t.carry--;
      // The guarded path runs only for users the flag admits (none while open); with
      // `offFailurePct` the others run the flag-off path, counted on the control arm (ADR 0009).
      if (!t.toggler.isFlagActive(`u${user++ % 100_000}`)) {
        if (t.offFailurePct === undefined) continue;
        if (Math.random() * 100 < t.offFailurePct) t.toggler.emitControlFailure();
        else t.toggler.emitControlSuccess();
        continue;
      }
      if (Math.random() * 100 < t.failurePct) t.toggler.emitFailure();
      else t.toggler.emitSuccess();
    }
  }
}, TICK_MS);

process.on('message', async (m) => {
  if (m.type === 'watch') {
    watched.set(m.flagKey, undefined);
    report(m.flagKey);
  } else if (m.type === 'traffic') {
    const t = traffic.get(m.flagKey) ?? {
      toggler: manager.newToggler(m.flagKey),
      rps: 0,
      failurePct: 0,
      carry: 0,
    };
    t.rps = m.rps;
    t.failurePct = m.failurePct;
    t.offFailurePct = m.offFailurePct;
    if (m.rps === 0) traffic.delete(m.flagKey);
    else traffic.set(m.flagKey, t);
  } else if (m.type === 'burst') {
    // A burst of failures on the guarded path, with no explicit flush: the SDK's early flush
    // (or its 250 ms timer) sends them.
    const t = manager.newToggler(m.flagKey);
    for (let i = 0; i < m.failures; i++) t.emitFailure();
    process.send({ type: 'burst', flagKey: m.flagKey, at: now() });
  } else if (m.type === 'close') {
    clearInterval(timer);
    await manager.close();
    process.exit(0);
  }
});
process.send({ type: 'ready' });
