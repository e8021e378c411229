import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  fromSeed,
  type Account,
  type Permissions,
} from '@nats-io/jwt';
import type { NatsConnection } from '@nats-io/transport-node';
import { appKvFilter, feedSubject, sdkInboxPrefix } from '@tailslide/contracts';

/**
 * NATS operator/JWT mode for Tailslide (ADR 0007). One operator signs two accounts: `SYS` (the
 * server's system account) and `TAILSLIDE` (every Tailslide connection). Inside `TAILSLIDE`:
 * a service user for Tower, one for Airbag, and one user per SDK key, each with the smallest set
 * of subjects it needs, built here from the platform's names (never hard-coded bucket names).
 *
 * Keys (nkey seeds, text starting with `S`):
 * - operator identity: signs the operator JWT; only needed again to rotate the operator.
 * - operator signing key: signs account JWTs. Tower holds it to publish revocations.
 * - system account identity + one system user: Tower pushes account JWTs with it.
 * - TAILSLIDE account identity: only needed to rotate the account.
 * - TAILSLIDE account signing key: signs user JWTs. Tower holds it to mint SDK keys.
 */

/** The platform-wide names the permissions are built from (the `TAILSLIDE_*` settings). */
export interface NatsNames {
  /** Flags KV bucket (`TAILSLIDE_FLAGS_BUCKET`). */
  readonly flagsBucket: string;
  /** Airbag's lease KV bucket (`AIRBAG_BUCKET`). */
  readonly airbagBucket: string;
  /** Circuit-event stream (`TAILSLIDE_CIRCUIT_STREAM`). */
  readonly circuitStream: string;
  /** Root of circuit-event subjects (`TAILSLIDE_CIRCUIT_SUBJECT_ROOT`). */
  readonly circuitSubjectRoot: string;
  /** Subject the Towers share dashboard events on. @default feedSubject(flagsBucket) */
  readonly feedSubject?: string | undefined;
}

/** Every seed of an installation (what `nats-init` writes once). */
export interface NatsAuthSeeds {
  readonly operator: string;
  readonly operatorSigning: string;
  readonly systemAccount: string;
  readonly systemUser: string;
  readonly account: string;
  readonly accountSigning: string;
}

/** Names of the two accounts as the server shows them. */
export const SYSTEM_ACCOUNT_NAME = 'SYS';
export const TAILSLIDE_ACCOUNT_NAME = 'TAILSLIDE';

/** Subject on which the server's `full` resolver accepts an updated account JWT. */
export const CLAIMS_UPDATE_SUBJECT = '$SYS.REQ.CLAIMS.UPDATE';

const te = new TextEncoder();
const td = new TextDecoder();
const seedText = (kp: { getSeed(): Uint8Array }): string => td.decode(kp.getSeed());
const keyOf = (seed: string) => fromSeed(te.encode(seed));

/** Fresh seeds for a new installation. */
export function generateNatsAuthSeeds(): NatsAuthSeeds {
  return {
    operator: seedText(createOperator()),
    operatorSigning: seedText(createOperator()),
    systemAccount: seedText(createAccount()),
    systemUser: seedText(createUser()),
    account: seedText(createAccount()),
    accountSigning: seedText(createAccount()),
  };
}

/** Public key (`O…`, `A…`, `U…`) of a seed. */
export function publicKeyOf(seed: string): string {
  return keyOf(seed).getPublicKey();
}

/**
 * Limits of an account. nats-server refuses every connection of an account whose JWT leaves
 * them out (an absent limit means 0), so each one is spelled out as -1 (unlimited).
 */
const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
} as const;
const UNLIMITED_JETSTREAM = {
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
  mem_max_stream_bytes: -1,
  disk_max_stream_bytes: -1,
  max_ack_pending: -1,
} as const;
const UNLIMITED_USER = { subs: -1, data: -1, payload: -1 } as const;

/** The operator JWT: names the system account and the operator signing key. */
export function operatorJwt(seeds: NatsAuthSeeds): Promise<string> {
  return encodeOperator('tailslide', keyOf(seeds.operator), {
    system_account: publicKeyOf(seeds.systemAccount),
    signing_keys: [publicKeyOf(seeds.operatorSigning)],
  });
}

/** The system account's JWT. */
export function systemAccountJwt(seeds: NatsAuthSeeds): Promise<string> {
  return encodeAccount(
    SYSTEM_ACCOUNT_NAME,
    publicKeyOf(seeds.systemAccount),
    { limits: UNLIMITED },
    { signer: keyOf(seeds.operatorSigning) },
  );
}

/** A revoked user: its public key and the time (seconds) before which its JWTs are refused. */
export interface NatsRevocation {
  readonly publicKey: string;
  readonly revokedAtSeconds: number;
}

/** What it takes to sign the Tailslide account JWT (Tower holds this, not the identity seed). */
export interface AccountSigner {
  /** `A…` public key of the Tailslide account. */
  readonly accountPublicKey: string;
  /** `A…` public key of the account signing key (listed in the account JWT). */
  readonly accountSigningPublicKey: string;
  /** Operator signing seed (`SO…`). */
  readonly operatorSigningSeed: string;
}

/** The signer of an installation's seeds. */
export function accountSignerOf(seeds: NatsAuthSeeds): AccountSigner {
  return {
    accountPublicKey: publicKeyOf(seeds.account),
    accountSigningPublicKey: publicKeyOf(seeds.accountSigning),
    operatorSigningSeed: seeds.operatorSigning,
  };
}

/**
 * The Tailslide account JWT: unlimited, JetStream on, its signing key, and the revoked users.
 * Users carry their own permissions; the account has none to give by default.
 */
export function tailslideAccountJwt(
  signer: AccountSigner,
  revocations: readonly NatsRevocation[] = [],
): Promise<string> {
  const account: Partial<Account> = {
    limits: { ...UNLIMITED, ...UNLIMITED_JETSTREAM },
    signing_keys: [signer.accountSigningPublicKey],
  };
  if (revocations.length > 0)
    account.revocations = Object.fromEntries(
      revocations.map((r) => [r.publicKey, r.revokedAtSeconds]),
    );
  return encodeAccount(TAILSLIDE_ACCOUNT_NAME, signer.accountPublicKey, account, {
    signer: keyOf(signer.operatorSigningSeed),
  });
}

const kvStream = (bucket: string) => `KV_${bucket}`;

/**
 * What Tower may do: manage JetStream in the account (it creates the flags bucket and the
 * circuit stream, runs its durable consumer), write and watch the flags bucket, ack circuit
 * events, share dashboard events with the other Towers on the feed subject, receive replies.
 */
export function towerPermissions(n: NatsNames): Permissions {
  return {
    pub: {
      allow: [
        '$JS.API.>',
        `$KV.${n.flagsBucket}.>`,
        `$JS.ACK.${n.circuitStream}.>`,
        `$JS.FC.${kvStream(n.flagsBucket)}.>`,
        n.feedSubject ?? feedSubject(n.flagsBucket),
        '_INBOX.>',
      ],
    },
    sub: {
      allow: ['_INBOX.>', `$KV.${n.flagsBucket}.>`, n.feedSubject ?? feedSubject(n.flagsBucket)],
    },
  };
}

/**
 * What Airbag may do: watch and read the flags bucket, write circuit state beside the rules
 * (`apps.*.circuits.*`) but never a rule, publish circuit events, hold its lease bucket.
 */
export function airbagPermissions(n: NatsNames): Permissions {
  const flags = kvStream(n.flagsBucket);
  const lease = kvStream(n.airbagBucket);
  return {
    pub: {
      allow: [
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.>',
        `$JS.API.STREAM.CREATE.${n.circuitStream}`,
        `$JS.API.STREAM.CREATE.${lease}`,
        `$JS.API.STREAM.MSG.GET.${lease}`,
        `$JS.API.DIRECT.GET.${lease}.>`,
        `$JS.API.STREAM.MSG.GET.${flags}`,
        `$JS.API.DIRECT.GET.${flags}.>`,
        `$JS.API.CONSUMER.CREATE.${flags}.>`,
        `$JS.API.CONSUMER.INFO.${flags}.>`,
        `$JS.API.CONSUMER.DELETE.${flags}.>`,
        `$JS.FC.${flags}.>`,
        `$KV.${n.airbagBucket}.>`,
        `$KV.${n.flagsBucket}.apps.*.circuits.*`,
        `${n.circuitSubjectRoot}.>`,
        '_INBOX.>',
      ],
    },
    sub: { allow: ['_INBOX.>'] },
  };
}

/**
 * What one SDK key may do: create (and delete, and ask after by name) the ordered consumer of a
 * KV watch of `apps.<appId>.>` in the flags bucket, answer its flow control, and receive on its own inbox
 * prefix. Nothing else: no other app's keys, no put/delete/purge, no other consumer, no stream
 * or consumer listing, no circuit subjects, no other client's inbox.
 */
export function sdkPermissions(
  n: Pick<NatsNames, 'flagsBucket'>,
  appId: string,
  keyId: string,
): Permissions {
  const flags = kvStream(n.flagsBucket);
  return {
    pub: {
      allow: [
        `$JS.API.CONSUMER.CREATE.${flags}.*.$KV.${n.flagsBucket}.${appKvFilter(appId)}`,
        // The watch's liveness probe (contracts' watch-probe): info on a consumer by its name.
        `$JS.API.CONSUMER.INFO.${flags}.*`,
        `$JS.API.CONSUMER.DELETE.${flags}.*`,
        `$JS.FC.${flags}.>`,
      ],
    },
    sub: { allow: [`${sdkInboxPrefix(keyId)}.>`] },
  };
}

/** A user: its JWT and nkey seed (`SU…`). */
export interface NatsUserCredentials {
  readonly jwt: string;
  readonly seed: string;
  readonly publicKey: string;
}

/**
 * Mints a user of the Tailslide account, signed with the account signing key. `seed` reuses an
 * existing user key (the system user, a service user whose creds are rewritten).
 */
export async function mintUser(
  accountPublicKey: string,
  accountSigningSeed: string,
  name: string,
  permissions: Permissions,
  seed?: string,
): Promise<NatsUserCredentials> {
  const user = seed ? keyOf(seed) : createUser();
  const jwt = await encodeUser(
    name,
    user,
    accountPublicKey,
    { ...UNLIMITED_USER, ...permissions },
    { signer: keyOf(accountSigningSeed) },
  );
  return { jwt, seed: seedText(user), publicKey: user.getPublicKey() };
}

/** The system user (Tower pushes account JWTs with it), signed by the system account itself. */
export async function systemUser(seeds: NatsAuthSeeds): Promise<NatsUserCredentials> {
  const user = keyOf(seeds.systemUser);
  const jwt = await encodeUser('tailslide-sys', user, keyOf(seeds.systemAccount), {
    ...UNLIMITED_USER,
  });
  return { jwt, seed: seeds.systemUser, publicKey: user.getPublicKey() };
}

/** A `.creds` file (JWT + seed) as nats-server tools and `credsAuthenticator` read it. */
export function credsFile(user: Pick<NatsUserCredentials, 'jwt' | 'seed'>): string {
  return td.decode(fmtCreds(user.jwt, keyOf(user.seed)));
}

/** Where a generated server configuration puts its files. */
export interface NatsServerConfigOptions {
  /** Directory where the `full` resolver keeps account JWTs (writable by the server). */
  readonly resolverDir: string;
}

/**
 * The authentication part of a nats-server configuration (include it from the main file, or
 * append listen/jetstream lines): operator mode, the system account, a `full` resolver that
 * accepts signed account updates on `$SYS.REQ.CLAIMS.UPDATE` (how Tower publishes
 * revocations), both accounts preloaded. No user, no anonymous access.
 */
export async function natsAuthConfig(
  seeds: NatsAuthSeeds,
  opts: NatsServerConfigOptions,
): Promise<string> {
  const sys = publicKeyOf(seeds.systemAccount);
  const acc = publicKeyOf(seeds.account);
  return [
    '# Generated by `node tower-server/dist/cli.js nats-init`: operator/JWT mode (ADR 0007).',
    '# No user lives here: every connection presents a user JWT signed by an account key.',
    `operator: ${await operatorJwt(seeds)}`,
    `system_account: ${sys}`,
    '# Time a client has to answer the nonce: a process opening many connections at once with',
    "# nats.js's pure-JS nkeys (services, tests; the SDK signs natively) needs more than 2 s.",
    'authorization { timeout: 10 }',
    'resolver: {',
    '  type: full',
    `  dir: ${JSON.stringify(opts.resolverDir)}`,
    '  allow_delete: false',
    '  interval: "2m"',
    '}',
    'resolver_preload: {',
    `  ${sys}: ${await systemAccountJwt(seeds)}`,
    `  ${acc}: ${await tailslideAccountJwt(accountSignerOf(seeds))}`,
    '}',
    '',
  ].join('\n');
}

interface ClaimsUpdateReply {
  readonly data?: { readonly code?: number; readonly message?: string };
  readonly error?: { readonly code?: number; readonly description?: string };
}

/**
 * Hands an updated account JWT to the server's resolver over a system-account connection
 * (`$SYS.REQ.CLAIMS.UPDATE`). The server applies it at once: connections of users it now
 * revokes are closed. Rejects with the server's reason when it refuses the JWT.
 */
export async function pushAccountJwt(
  systemConnection: NatsConnection,
  jwt: string,
  timeoutMs = 5_000,
): Promise<void> {
  const reply = await systemConnection.request(CLAIMS_UPDATE_SUBJECT, jwt, { timeout: timeoutMs });
  const body = reply.json<ClaimsUpdateReply>();
  if (body.error)
    throw new Error(
      `nats-server refused the account JWT: ${body.error.description ?? JSON.stringify(body.error)}`,
    );
}
