#!/usr/bin/env node
// `docker compose up`, tested (`npm run test:compose`; .ci/run runs it after `npm test`).
// Builds the repository's image and starts docker-compose.yml as it is, on local stand-ins for the
// postgres, nats, redis and node images (test/compose/docker-compose.standins.yml; no registry
// pull: a Debian bookworm rootfs from Debian's mirror, `docker import`ed). Then: Tower and both
// Airbag replicas healthy; examples/trip-and-recover.mjs trips and recovers a circuit through the
// published ports with an SDK key; the leading Airbag container is killed and the other takes the
// lease and trips and recovers again; `down -v`; everything it made is removed.
//
// Engine: DOCKER_HOST, or the default socket when a daemon answers; otherwise (as root, with
// Debian's docker.io) it starts its own `dockerd` (vfs, no iptables) in a temporary directory and
// removes it at the end. Compose: `docker compose` (v2) when present, else Debian's
// `docker-compose` 1.29 with --compatibility (replicas). Needs `npm run build` (the example runs
// the built SDK) and, for the first run, `debootstrap`; the rootfs tarball is cached under
// ~/.cache/tailslide/compose/ (TAILSLIDE_COMPOSE_CACHE; outside the checkout, so a fresh clone
// on the same machine reuses it) for 30 days. TAILSLIDE_COMPOSE_KEEP_IMAGES=1 keeps
// the stand-in images in an engine it did not start (faster reruns).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = join(root, 'test/compose');
// Outside the checkout, so a fresh clone on the same machine (CI) reuses it.
const cache =
  process.env.TAILSLIDE_COMPOSE_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tailslide/compose');
const baseTar = join(cache, 'debian-bookworm-minbase.tar.gz');
const mirror = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const project = `tailslidecompose${process.pid}`;
const images = {
  base: 'tailslide-standin/debian:bookworm',
  node: 'tailslide-standin/node:20',
  postgres: 'tailslide-standin/postgres:bookworm',
  nats: 'tailslide-standin/nats:bookworm',
  redis: 'tailslide-standin/redis:bookworm',
};
const admin = { email: 'compose-test@example.com', password: `compose-test-${process.pid}-pw` };

const times = [];
const started = Date.now();
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const log = (msg) =>
  console.log(`[compose-test ${((Date.now() - started) / 1000).toFixed(0)} s] ${msg}`);

/** Runs a command; throws with its output's tail when it fails. `quiet` prints output only then. */
function run(cmd, args, { env, quiet = true, timeoutMs = 20 * 60_000, input } = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: quiet ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'inherit', 'inherit'],
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs,
  });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-80).join('\n');
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n${out}`,
    );
  }
  return r.stdout ?? '';
}

function step(name, fn) {
  const t0 = Date.now();
  log(`${name} …`);
  const result = fn();
  const s = (Date.now() - t0) / 1000;
  times.push([name, s]);
  log(`${name}: ${s.toFixed(1)} s`);
  return result;
}

const docker = process.env.DOCKER ?? 'docker';
const dockerOk = () =>
  spawnSync(docker, ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

// ---- engine ------------------------------------------------------------------------------------
let engine = null; // { dir, proc } when this script started dockerd
function startEngine() {
  if (dockerOk()) return;
  if (process.getuid?.() !== 0)
    throw new Error('no Docker engine answers and only root can start one (dockerd)');
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-dockerd-'));
  const sock = `unix://${dir}/docker.sock`;
  const logFile = join(dir, 'dockerd.log');
  const out = openSync(logFile, 'a');
  const proc = spawn(
    'dockerd',
    [
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip6tables=false',
      `--data-root=${dir}/data`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${dir}/dockerd.pid`,
      `--host=${sock}`,
    ],
    { stdio: ['ignore', out, out], detached: true },
  );
  engine = { dir, proc };
  process.env.DOCKER_HOST = sock;
  for (let i = 0; i < 120 && !dockerOk(); i++) sleep(500);
  if (!dockerOk())
    throw new Error(
      `dockerd did not answer within 60 s:\n${readFileSync(logFile, 'utf8').slice(-4000)}`,
    );
}

function stopEngine() {
  if (!engine) return;
  const { proc, dir } = engine;
  engine = null;
  // This script waits synchronously, so an exited dockerd stays a zombie until the end: alive
  // means "not a zombie yet".
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${proc.pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  if (alive()) {
    process.kill(proc.pid, 'SIGTERM');
    for (let i = 0; i < 120 && alive(); i++) sleep(500);
    if (alive()) process.kill(proc.pid, 'SIGKILL');
  }
  // dockerd leaves its network namespace mounted (exec-root/netns/default): unmount what is
  // left under the directory, deepest first, then remove it (vfs layers are plain directories).
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

// ---- compose -----------------------------------------------------------------------------------
const composeCmd = (() => {
  if (process.env.COMPOSE) return process.env.COMPOSE.split(' ');
  if (spawnSync(docker, ['compose', 'version'], { stdio: 'ignore' }).status === 0)
    return [docker, 'compose'];
  return ['docker-compose', '--compatibility'];
})();
let composeEnv = {};
function compose(args, opts = {}) {
  const [cmd, ...pre] = composeCmd;
  const files = ['-f', 'docker-compose.yml', '-f', 'test/compose/docker-compose.standins.yml'];
  return run(cmd, [...pre, '-p', project, ...files, ...args], {
    ...opts,
    env: { ...composeEnv, ...opts.env },
  });
}

function freePort() {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
    ],
    { encoding: 'utf8' },
  );
  return Number(r.stdout.trim());
}

// ---- images ------------------------------------------------------------------------------------
function haveImage(name) {
  return spawnSync(docker, ['image', 'inspect', name], { stdio: 'ignore' }).status === 0;
}

function baseImage() {
  if (haveImage(images.base)) return;
  const fresh = existsSync(baseTar) && Date.now() - statSync(baseTar).mtimeMs < 30 * 86_400_000;
  if (!fresh) {
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'rootfs-'));
    // mkdtemp makes the directory 0700 and it becomes the image's `/`: no user but root could
    // then reach anything (the postgres stand-in's initdb: "Permission denied").
    chmodSync(dir, 0o755);
    try {
      run('debootstrap', ['--variant=minbase', 'bookworm', dir, mirror]);
      rmSync(join(dir, 'var/lib/apt/lists'), { recursive: true, force: true });
      mkdirSync(join(dir, 'var/lib/apt/lists/partial'), { recursive: true });
      run('sh', ['-c', `rm -f '${dir}'/var/cache/apt/archives/*.deb`]);
      run('sh', ['-c', `tar -C '${dir}' -c . | gzip -1 > '${baseTar}.partial'`]);
      renameSync(`${baseTar}.partial`, baseTar);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  run(docker, ['import', baseTar, images.base]);
}

function nodeImage() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major !== 20 || minor < 19)
    throw new Error(
      `the Node stand-in copies this machine's Node, which must be 20 (>= 20.19): ${process.version}`,
    );
  const ctx = mkdtempSync(join(tmpdir(), 'tailslide-node-standin-'));
  try {
    const npmDir = join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm');
    copyFileSync(join(here, 'standins/node.Dockerfile'), join(ctx, 'Dockerfile'));
    copyFileSync(process.execPath, join(ctx, 'node'));
    cpSync(npmDir, join(ctx, 'npm'), { recursive: true, dereference: true });
    const headers = join(dirname(process.execPath), '../include/node');
    if (!existsSync(join(headers, 'node_api.h'))) throw new Error(`no Node headers in ${headers}`);
    cpSync(headers, join(ctx, 'include'), { recursive: true, dereference: true });
    const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(ca)) copyFileSync(ca, join(ctx, 'ca-certificates.crt'));
    else writeFileSync(join(ctx, 'ca-certificates.crt'), '');
    run(docker, ['build', '--network', 'host', '-t', images.node, ctx]);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

function serviceImages() {
  for (const target of ['postgres', 'nats', 'redis']) {
    const args = ['build', '--network', 'host', '--target', target, '-t', images[target]];
    run(docker, [
      ...args,
      '-f',
      join(here, 'standins/services.Dockerfile'),
      join(here, 'standins'),
    ]);
  }
}

// ---- the platform ------------------------------------------------------------------------------
function containers(service) {
  return compose(['ps', '-q', service]).split('\n').filter(Boolean);
}

function health(id) {
  return run(docker, [
    'inspect',
    '-f',
    '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}',
    id,
  ]).trim();
}

function waitHealthy() {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const tower = containers('tower');
    const airbags = containers('airbag');
    const states = [...tower, ...airbags].map(health);
    if (tower.length === 1 && airbags.length === 2 && states.every((s) => s === 'healthy')) return;
    if (Date.now() > deadline)
      throw new Error(
        `not healthy within 5 min: tower ${tower.length}, airbag ${airbags.length}: ${states.join(', ')}`,
      );
    sleep(2000);
  }
}

/** Airbag's /healthz from inside its container (`leader` says whether it holds the lease). */
function airbagHealth(id) {
  const script =
    "fetch('http://127.0.0.1:3002/healthz').then((r) => r.json()).then((j) => console.log(JSON.stringify(j)))";
  try {
    return JSON.parse(run(docker, ['exec', id, 'node', '-e', script], { timeoutMs: 30_000 }));
  } catch {
    return null;
  }
}

function waitLeader(ids, within) {
  const deadline = Date.now() + within;
  for (;;) {
    const leaders = ids.filter((id) => airbagHealth(id)?.leader === true);
    if (leaders.length === 1) return leaders[0];
    if (Date.now() > deadline)
      throw new Error(`expected one leading Airbag among ${ids.join(', ')}, got ${leaders.length}`);
    sleep(1000);
  }
}

function tripAndRecover(ports) {
  const out = run(
    process.execPath,
    ['examples/trip-and-recover.mjs', `http://127.0.0.1:${ports.tower}`],
    {
      timeoutMs: 4 * 60_000,
      env: {
        TAILSLIDE_EMAIL: admin.email,
        TAILSLIDE_PASSWORD: admin.password,
        NATS_URL: `nats://127.0.0.1:${ports.nats}`,
        REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
      },
    },
  );
  process.stdout.write(out.replace(/^/gm, '    '));
  if (/no SDK key/.test(out)) throw new Error('the example ran without an SDK key');
  if (!/the circuit opened/.test(out)) throw new Error('the example did not see the circuit open');
}

let up = false;
function cleanup() {
  if (up) {
    up = false;
    try {
      // An engine this script started goes with everything in it: killing the containers is
      // enough (removing images and volumes one by one on vfs took over a minute).
      if (engine) compose(['kill'], { timeoutMs: 2 * 60_000 });
      else compose(['down', '-v', '--rmi', 'local', '--remove-orphans'], { timeoutMs: 5 * 60_000 });
    } catch (err) {
      console.error(`${engine ? 'kill' : 'down'} failed: ${err.message}`);
    }
  }
  if (engine) {
    stopEngine();
  } else if (!process.env.TAILSLIDE_COMPOSE_KEEP_IMAGES) {
    for (const name of Object.values(images)) spawnSync(docker, ['rmi', name], { stdio: 'ignore' });
  }
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
process.on('SIGTERM', () => {
  cleanup();
  process.exit(143);
});

let failed = false;
try {
  if (!existsSync(join(root, 'sdk-node/dist/index.js')))
    throw new Error('run `npm run build` first (the example uses the built SDK)');
  step('engine', startEngine);
  log(`compose: ${composeCmd.join(' ')}; engine: ${process.env.DOCKER_HOST ?? 'default socket'}`);
  step('base image (debootstrap or cached rootfs)', baseImage);
  step('node stand-in', nodeImage);
  step('postgres, nats, redis stand-ins', serviceImages);
  const ports = { tower: freePort(), nats: freePort(), redis: freePort() };
  composeEnv = {
    TOWER_HOST_PORT: String(ports.tower),
    NATS_HOST_PORT: String(ports.nats),
    REDIS_HOST_PORT: String(ports.redis),
    TAILSLIDE_ADMIN_EMAIL: admin.email,
    TAILSLIDE_ADMIN_PASSWORD: admin.password,
  };
  step('compose build (the Dockerfile)', () => compose(['build'], { timeoutMs: 30 * 60_000 }));
  up = true;
  step('compose up', () => compose(['up', '-d'], { timeoutMs: 10 * 60_000 }));
  step('tower and both airbags healthy', waitHealthy);
  step('trip and recover through the published ports', () => tripAndRecover(ports));
  step('kill the leading airbag, the other takes over', () => {
    const ids = containers('airbag');
    const leader = waitLeader(ids, 60_000);
    run(docker, ['kill', leader]);
    const other = ids.filter((id) => id !== leader);
    const next = waitLeader(other, 60_000);
    log(`killed ${leader.slice(0, 12)}; ${next.slice(0, 12)} leads`);
  });
  step('trip and recover with the new leader', () => tripAndRecover(ports));
} catch (err) {
  failed = true;
  console.error(`\ncompose test FAILED: ${err.message}`);
  if (up) {
    try {
      console.error(compose(['logs', '--no-color', '--tail=60']));
    } catch (e) {
      console.error(e.message);
    }
  }
} finally {
  step('clean up (down -v, or kill and remove the engine this test started)', cleanup);
}
console.log('\ncompose test timings:');
for (const [name, s] of times) console.log(`  ${s.toFixed(1).padStart(7)} s  ${name}`);
console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s  total`);
console.log(failed ? 'compose test FAILED' : 'compose test passed');
process.exit(failed ? 1 : 0);
