import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  accountSignerOf,
  generateNatsAuthSeeds,
  mintUser,
  NATS_KEY_FILES,
  publicKeyOf,
  pushAccountJwt,
  sdkPermissions,
  tailslideAccountJwt,
  type AccountSigner,
  type NatsNames,
  type NatsRevocation,
  type NatsUserCredentials,
} from '@tailslide/server-kit';

/** What Tower needs of the NATS keys: never the operator or account identity seeds. */
export interface TowerNatsKeys {
  readonly signer: AccountSigner;
  /** Account signing seed (`SA…`): signs SDK users. */
  readonly accountSigningSeed: string;
  /** Path of Tower's own `.creds` (its connection). */
  readonly towerCredsFile: string;
  /** Path of the system user's `.creds` (pushes account JWTs). */
  readonly systemCredsFile: string;
}

function readKey(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch (err) {
    throw new Error(
      `cannot read ${join(dir, file)} (run \`node tower-server/dist/cli.js nats-init --dir ${dir}\`): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Reads Tower's share of the keys from a `nats-init` directory (`TAILSLIDE_NATS_DIR`). */
export function readTowerNatsKeys(dir: string): TowerNatsKeys {
  const accountSigningSeed = readKey(dir, NATS_KEY_FILES.accountSigning);
  const operatorSigningSeed = readKey(dir, NATS_KEY_FILES.operatorSigning);
  return {
    signer: {
      accountPublicKey: readKey(dir, NATS_KEY_FILES.accountPublicKey),
      accountSigningPublicKey: publicKeyOf(accountSigningSeed),
      operatorSigningSeed,
    },
    accountSigningSeed,
    towerCredsFile: join(dir, NATS_KEY_FILES.towerCreds),
    systemCredsFile: join(dir, NATS_KEY_FILES.systemCreds),
  };
}

/** Tower's side of the NATS account: mints SDK users and publishes revocations. */
export interface SdkNatsAccount {
  /** False when Tower runs without NATS keys: keys are minted but no server enforces them. */
  readonly enforced: boolean;
  /** A user that may watch `apps.<appId>.>` only (see server-kit `sdkPermissions`). */
  mintSdkUser(appId: string, keyId: string): Promise<NatsUserCredentials>;
  /** Signs the account JWT with exactly these revocations and hands it to the server. */
  publishRevocations(revoked: readonly NatsRevocation[]): Promise<void>;
}

/** The enforced account: keys from `nats-init`, a system connection to push JWTs. */
export class NatsAccount implements SdkNatsAccount {
  readonly enforced = true;
  readonly #keys: Pick<TowerNatsKeys, 'signer' | 'accountSigningSeed'>;
  readonly #names: Pick<NatsNames, 'flagsBucket'>;
  readonly #connectSystem: () => Promise<NatsConnection>;

  constructor(deps: {
    keys: Pick<TowerNatsKeys, 'signer' | 'accountSigningSeed'>;
    names: Pick<NatsNames, 'flagsBucket'>;
    /** Opens a connection as the system user (closed after each push). */
    connectSystem: () => Promise<NatsConnection>;
  }) {
    this.#keys = deps.keys;
    this.#names = deps.names;
    this.#connectSystem = deps.connectSystem;
  }

  mintSdkUser(appId: string, keyId: string): Promise<NatsUserCredentials> {
    return mintUser(
      this.#keys.signer.accountPublicKey,
      this.#keys.accountSigningSeed,
      `sdk-${keyId}`,
      sdkPermissions(this.#names, appId, keyId),
    );
  }

  async publishRevocations(revoked: readonly NatsRevocation[]): Promise<void> {
    const jwt = await tailslideAccountJwt(this.#keys.signer, revoked);
    const nc = await this.#connectSystem();
    try {
      await pushAccountJwt(nc, jwt);
    } finally {
      await nc.close().catch(() => undefined);
    }
  }
}

/**
 * Without `TAILSLIDE_NATS_DIR` (a NATS without authorization, tests on the shared server): keys
 * are minted with throw-away account keys so their format is the real one, and nothing enforces
 * them. Tower logs a warning at start.
 */
export function unenforcedNatsAccount(names: Pick<NatsNames, 'flagsBucket'>): SdkNatsAccount {
  const seeds = generateNatsAuthSeeds();
  const account = new NatsAccount({
    keys: { signer: accountSignerOf(seeds), accountSigningSeed: seeds.accountSigning },
    names,
    connectSystem: () => Promise.reject(new Error('no NATS system user')),
  });
  return {
    enforced: false,
    mintSdkUser: (appId, keyId) => account.mintSdkUser(appId, keyId),
    publishRevocations: () => Promise.resolve(),
  };
}
