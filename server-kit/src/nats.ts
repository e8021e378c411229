import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { parseNatsServers } from '@tailslide/contracts';

/** How a service connects to NATS. */
export interface ConnectNatsOptions {
  /** A comma-separated server list (`NATS_URL`) or the servers themselves. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the NATS server (`tailslide-tower`, `airbag-<instance>`). */
  readonly name: string;
  /** NATS user (see nats.conf); without it the connection has no credentials. */
  readonly user?: string | undefined;
  /** Password of `user`. */
  readonly pass?: string | undefined;
  /**
   * Path of a `.creds` file (user JWT + nkey seed, written by `cli.js nats-init`): operator/JWT
   * mode (ADR 0007). Read at every (re)connect, so a rotated file is picked up.
   */
  readonly credsFile?: string | undefined;
}

/**
 * Connects to NATS the way every Tailslide service does: any server of the list, reconnecting
 * forever with a short wait (250 ms ± 100 ms) so a restarted server is picked up fast, 5 s to
 * establish a connection. Rejects when no server of the list answers at first.
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const servers =
    typeof options.servers === 'string' ? parseNatsServers(options.servers) : [...options.servers];
  return connect({
    servers,
    name: options.name,
    ...(options.user ? { user: options.user, pass: options.pass ?? '' } : {}),
    ...(options.credsFile ? { authenticator: credsFileAuthenticator(options.credsFile) } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    timeout: 5_000,
  });
}

function credsFileAuthenticator(path: string) {
  // Read once now so a missing file fails at start with its path, then at each (re)connect.
  readFileSync(path);
  return credsAuthenticator(() => readFileSync(path));
}
