/**
 * How every Tailslide process reads a NATS server list (`NATS_URL`, the SDK's `nats` option):
 * one or more server URLs separated by commas, as in `nats://a:4222,nats://b:4222`. A cluster is
 * reached through any of its members, so all of them are handed to the client.
 */

/**
 * Splits a comma-separated NATS server list into its servers: each entry trimmed, empty entries
 * dropped (`'nats://a:4222, nats://b:4222,'` → `['nats://a:4222', 'nats://b:4222']`). Entries are
 * not otherwise checked: the NATS client accepts `host`, `host:port` and `nats://` / `tls://` URLs.
 * Returns an empty array when there is no server in `list`.
 */
export function parseNatsServers(list: string): string[] {
  return list
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
}
