import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_AIRBAG_BUCKET,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
} from '@tailslide/contracts';
import {
  airbagPermissions,
  initNatsKeysDir,
  mintUser,
  NATS_KEY_FILES,
  publicKeyOf,
  sdkPermissions,
  systemUser,
  towerPermissions,
  type NatsAuthSeeds,
  type NatsNames,
  type NatsUserCredentials,
} from '@tailslide/server-kit';
import { freePort, managed, type ManagedServer } from './index.js';

/** A private nats-server in the project's operator/JWT mode, with credentials for each role. */
export interface AuthNatsServer extends ManagedServer {
  readonly seeds: NatsAuthSeeds;
  readonly names: NatsNames;
  /** The `nats-init` directory (`TAILSLIDE_NATS_DIR` for a Tower on this server). */
  readonly keysDir: string;
  /** Paths of the service creds files `nats-init` wrote. */
  readonly towerCredsFile: string;
  readonly airbagCredsFile: string;
  readonly tower: NatsUserCredentials;
  readonly airbag: NatsUserCredentials;
  readonly system: NatsUserCredentials;
  /** Mints an SDK user for `appId` the way Tower does for a key. */
  sdkUser(appId: string, keyId: string): Promise<NatsUserCredentials>;
}

/**
 * `nats-server` started with exactly what `cli.js nats-init` generates (operator, system
 * account, the Tailslide account, a `full` resolver, the service creds) plus a listen address
 * and JetStream, on a free port (not started yet).
 */
export async function privateAuthNatsServer(
  names: Partial<NatsNames> = {},
): Promise<AuthNatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-nats-auth-'));
  const all: NatsNames = {
    flagsBucket: DEFAULT_FLAGS_BUCKET,
    airbagBucket: DEFAULT_AIRBAG_BUCKET,
    circuitStream: DEFAULT_CIRCUIT_STREAM,
    circuitSubjectRoot: CIRCUIT_SUBJECT_ROOT,
    ...names,
  };
  const keysDir = join(dir, 'keys');
  const { seeds, authConf } = await initNatsKeysDir(keysDir, all, {
    resolverDir: join(dir, 'jwt'),
  });
  const confPath = join(dir, 'nats.conf');
  writeFileSync(
    confPath,
    [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
      // nats-server resolves an include relative to the including file, even an absolute path.
      `include ${JSON.stringify(relative(dir, authConf))}`,
      '',
    ].join('\n'),
  );
  const account = publicKeyOf(seeds.account);
  const server = managed(
    port,
    `nats://127.0.0.1:${port}`,
    '/usr/sbin/nats-server',
    ['-c', confPath],
    dir,
  );
  return {
    ...server,
    seeds,
    names: all,
    keysDir,
    towerCredsFile: join(keysDir, NATS_KEY_FILES.towerCreds),
    airbagCredsFile: join(keysDir, NATS_KEY_FILES.airbagCreds),
    tower: await mintUser(account, seeds.accountSigning, 'tower', towerPermissions(all)),
    airbag: await mintUser(account, seeds.accountSigning, 'airbag', airbagPermissions(all)),
    system: await systemUser(seeds),
    sdkUser: (appId, keyId) =>
      mintUser(account, seeds.accountSigning, `sdk-${keyId}`, sdkPermissions(all, appId, keyId)),
  };
}
