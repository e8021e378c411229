import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  airbagPermissions,
  credsFile,
  generateNatsAuthSeeds,
  mintUser,
  natsAuthConfig,
  publicKeyOf,
  systemUser,
  towerPermissions,
  type NatsAuthSeeds,
  type NatsNames,
} from './nats-auth.js';

/** The files of a NATS keys directory (`cli.js nats-init`; ADR 0007, docs/security.md). */
export const NATS_KEY_FILES = {
  operator: 'operator.nk',
  operatorSigning: 'operator-signing.nk',
  systemAccount: 'system-account.nk',
  systemUser: 'system-user.nk',
  account: 'account.nk',
  accountSigning: 'account-signing.nk',
  accountPublicKey: 'account.pub',
  authConf: 'auth.conf',
  towerCreds: 'tower.creds',
  airbagCreds: 'airbag.creds',
  systemCreds: 'system.creds',
} as const;

const SEED_FILES: Record<keyof NatsAuthSeeds, string> = {
  operator: NATS_KEY_FILES.operator,
  operatorSigning: NATS_KEY_FILES.operatorSigning,
  systemAccount: NATS_KEY_FILES.systemAccount,
  systemUser: NATS_KEY_FILES.systemUser,
  account: NATS_KEY_FILES.account,
  accountSigning: NATS_KEY_FILES.accountSigning,
};

/** Options of {@link initNatsKeysDir}. */
export interface InitNatsKeysOptions {
  /** Where the server's `full` resolver keeps account JWTs. @default `<dir>/jwt` */
  readonly resolverDir?: string | undefined;
}

/** What {@link initNatsKeysDir} did. */
export interface InitNatsKeysResult {
  /** True when the seeds were generated now (false: an existing installation was kept). */
  readonly created: boolean;
  readonly seeds: NatsAuthSeeds;
  /** Path of the generated `auth.conf` (include it from nats-server's configuration). */
  readonly authConf: string;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Makes `dir` a NATS keys directory. Seeds are generated once and never overwritten; the server
 * configuration (`auth.conf`) and the service creds (`tower.creds`, `airbag.creds`,
 * `system.creds`) are written again on every run from `names`, so renaming a bucket or stream is
 * "set the variables, run nats-init again, restart".
 */
export async function initNatsKeysDir(
  dir: string,
  names: NatsNames,
  opts: InitNatsKeysOptions = {},
): Promise<InitNatsKeysResult> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const present = Object.values(SEED_FILES).filter((f) => existsSync(join(dir, f)));
  let created = false;
  let seeds: NatsAuthSeeds;
  if (present.length === 0) {
    seeds = generateNatsAuthSeeds();
    for (const [k, file] of Object.entries(SEED_FILES))
      writeSecret(join(dir, file), `${seeds[k as keyof NatsAuthSeeds]}\n`);
    created = true;
  } else if (present.length < Object.keys(SEED_FILES).length) {
    throw new Error(
      `${dir} holds only some NATS seeds (${present.join(', ')}); restore the others or start from an empty directory`,
    );
  } else {
    const read = (f: string) => readFileSync(join(dir, f), 'utf8').trim();
    seeds = {
      operator: read(SEED_FILES.operator),
      operatorSigning: read(SEED_FILES.operatorSigning),
      systemAccount: read(SEED_FILES.systemAccount),
      systemUser: read(SEED_FILES.systemUser),
      account: read(SEED_FILES.account),
      accountSigning: read(SEED_FILES.accountSigning),
    };
  }
  const account = publicKeyOf(seeds.account);
  writeFileSync(join(dir, NATS_KEY_FILES.accountPublicKey), `${account}\n`);
  const authConf = join(dir, NATS_KEY_FILES.authConf);
  writeFileSync(
    authConf,
    await natsAuthConfig(seeds, { resolverDir: opts.resolverDir ?? join(dir, 'jwt') }),
  );
  const tower = await mintUser(account, seeds.accountSigning, 'tower', towerPermissions(names));
  const airbag = await mintUser(account, seeds.accountSigning, 'airbag', airbagPermissions(names));
  writeSecret(join(dir, NATS_KEY_FILES.towerCreds), credsFile(tower));
  writeSecret(join(dir, NATS_KEY_FILES.airbagCreds), credsFile(airbag));
  writeSecret(join(dir, NATS_KEY_FILES.systemCreds), credsFile(await systemUser(seeds)));
  return { created, seeds, authConf };
}
