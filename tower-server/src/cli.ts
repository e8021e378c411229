import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import { parseInput } from './validation.js';
import { createUserSchema } from './users/user-schemas.js';
import { resolve } from 'node:path';
import { initNatsKeysDir } from '@tailslide/server-kit';
import { AppService } from './apps/app-service.js';
import { loadCliConfig, loadConfig, loadNatsNames } from './config.js';
import { NatsAccount, readTowerNatsKeys, unenforcedNatsAccount } from './sdk-keys/nats-account.js';
import { SdkKeyService } from './sdk-keys/sdk-key-service.js';
import { ChangeFeed } from './change-feed.js';
import { createPool, runMigrations } from './db.js';
import { UserService } from './users/user-service.js';

const USAGE = `usage: node tower-server/dist/cli.js create-admin <email>
  Creates an admin user (any time; the first admin or another one). Reads DATABASE_URL, and the
  password from TAILSLIDE_ADMIN_PASSWORD or, when unset, from stdin (first line).
usage: node tower-server/dist/cli.js nats-init --dir <dir> [--resolver-dir <dir>]
  NATS operator/JWT mode (ADR 0007): generates the operator, system and Tailslide account keys
  once into <dir>, and (again on every run) auth.conf for nats-server and the tower, airbag and
  system .creds, from TAILSLIDE_FLAGS_BUCKET, AIRBAG_BUCKET, TAILSLIDE_CIRCUIT_STREAM,
  TAILSLIDE_CIRCUIT_SUBJECT_ROOT and TAILSLIDE_FEED_SUBJECT. --resolver-dir: where nats-server
  keeps account JWTs (default <dir>/jwt; a path as the server sees it).
usage: node tower-server/dist/cli.js create-sdk-key --name <name> (--app-id <id> | --app-title <title>)
  Creates an SDK key (audited as actor "cli") and prints it on stdout: for an app by id, or for a
  new app with that title. Reads Tower's settings (DATABASE_URL,
  TAILSLIDE_NATS_DIR, TAILSLIDE_FLAGS_BUCKET, TAILSLIDE_REDIS_PREFIX). Tower gives the key its
  Redis user when it next starts or syncs (every Redis reconnect).`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function createSdkKeyCommand(argv: readonly string[]): Promise<number> {
  const name = flag(argv, '--name');
  const appIdArg = flag(argv, '--app-id');
  const appTitle = flag(argv, '--app-title');
  if (!name || (appIdArg === undefined) === (appTitle === undefined)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  await runMigrations(config.databaseUrl, pino({ level: 'silent' }));
  const pool = createPool(config.databaseUrl, 1);
  const ctx = { actor: 'cli', requestId: null };
  try {
    const feed = new ChangeFeed();
    let appId = appIdArg;
    if (appId === undefined)
      appId = (await new AppService({ pool, feed }).create(appTitle ?? '', ctx)).id;
    const names = { flagsBucket: config.flagsBucket };
    const keys = new SdkKeyService({
      pool,
      feed,
      nats: config.natsKeysDir
        ? new NatsAccount({
            keys: readTowerNatsKeys(config.natsKeysDir),
            names,
            connectSystem: () => Promise.reject(new Error('the CLI never revokes')),
          })
        : unenforcedNatsAccount(names),
      redisPrefix: config.redisPrefix,
    });
    const created = await keys.create({ name, appId }, ctx);
    process.stdout.write(`${created.key}\n`);
    process.stderr.write(`created SDK key ${created.id} "${name}" for app ${appId}\n`);
    return 0;
  } finally {
    await pool.end();
  }
}

async function natsInit(argv: readonly string[]): Promise<number> {
  const dir = flag(argv, '--dir');
  if (!dir) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const resolverDir = flag(argv, '--resolver-dir');
  const result = await initNatsKeysDir(resolve(dir), loadNatsNames(), {
    resolverDir: resolverDir ?? resolve(dir, 'jwt'),
  });
  process.stdout.write(
    `${result.created ? 'created' : 'kept'} NATS keys in ${resolve(dir)}; wrote ${result.authConf} and the service creds\n`,
  );
  return 0;
}

// Tower's command line: `create-admin` for the first admin without putting a password in the
// server's environment (or to recover when every admin lost their password).
async function main(argv: readonly string[]): Promise<number> {
  const [command, email] = argv;
  if (command === 'nats-init') return natsInit(argv.slice(1));
  if (command === 'create-sdk-key') return createSdkKeyCommand(argv.slice(1));
  if (command !== 'create-admin' || !email) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadCliConfig();
  const password = config.password ?? (await text(process.stdin)).split(/\r?\n/)[0] ?? '';
  const input = parseInput(createUserSchema, { email, password, role: 'admin' }, 'admin');
  await runMigrations(config.databaseUrl, pino({ level: 'silent' }));
  const pool = createPool(config.databaseUrl, 1);
  try {
    const users = new UserService({ pool, feed: new ChangeFeed() });
    const user = await users.create(input, { actor: 'cli', requestId: null });
    process.stdout.write(`created admin ${user.email} (id ${user.id})\n`);
    return 0;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
