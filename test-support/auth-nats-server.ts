import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  accountSignerOf,
  airbagPermissions,
  generateNatsAuthSeeds,
  mintUser,
  natsAuthConfig,
  publicKeyOf,
  sdkPermissions,
  systemUser,
  towerPermissions,
  type NatsAuthSeeds,
  type NatsNames,
  type NatsUserCredentials,
} from '@tailslide/server-kit';
import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_AIRBAG_BUCKET,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
} from '@tailslide/contracts';
import { freePort, managed, type ManagedServer } from './index.js';

/** A private nats-server in the project's operator/JWT mode, with credentials for each role. */
export interface AuthNatsServer extends ManagedServer {
  readonly seeds: NatsAuthSeeds;
  readonly names: NatsNames;
  readonly tower: NatsUserCredentials;
  readonly airbag: NatsUserCredentials;
  readonly system: NatsUserCredentials;
  /** Mints an SDK user for `appId` the way Tower does for a key. */
  sdkUser(appId: string, keyId: string): Promise<NatsUserCredentials>;
}

/**
 * `nats-server` with the configuration `nats-init` generates (operator, system account, the
 * Tailslide account, a `full` resolver), JetStream on, on a free port (not started yet).
 */
export async function privateAuthNatsServer(
  names: Partial<NatsNames> = {},
): Promise<AuthNatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-nats-auth-'));
  const seeds = generateNatsAuthSeeds();
  const all: NatsNames = {
    flagsBucket: DEFAULT_FLAGS_BUCKET,
    airbagBucket: DEFAULT_AIRBAG_BUCKET,
    circuitStream: DEFAULT_CIRCUIT_STREAM,
    circuitSubjectRoot: CIRCUIT_SUBJECT_ROOT,
    ...names,
  };
  const conf = [
    `listen: "127.0.0.1:${port}"`,
    `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
    await natsAuthConfig(seeds, { resolverDir: join(dir, 'jwt') }),
  ].join('\n');
  const confPath = join(dir, 'nats.conf');
  writeFileSync(confPath, conf);
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
    tower: await mintUser(account, seeds.accountSigning, 'tower', towerPermissions(all)),
    airbag: await mintUser(account, seeds.accountSigning, 'airbag', airbagPermissions(all)),
    system: await systemUser(seeds),
    sdkUser: (appId, keyId) =>
      mintUser(account, seeds.accountSigning, `sdk-${keyId}`, sdkPermissions(all, appId, keyId)),
  };
}
