// The embedded PostgreSQL of `npm start` (scripts/dev-platform.mjs): PGlite (PostgreSQL compiled
// to WebAssembly, one session) with its data in a folder, served over TCP by its socket server
// (@electric-sql/pglite-socket), behind a small session lock so several clients can share it.
//
// Why the lock: PGlite has a single session, and the socket server multiplexes its clients message
// by message, keeping a client's turn only while a transaction is open. An extended-protocol
// query (Parse / Bind / Execute / Sync, what `pg` sends for every parameterised query) is not a
// transaction, so two clients' queries interleave and one binds against the other's unnamed
// statement ("bind message supplies 3 parameters, but prepared statement "" requires 1";
// electric-sql/pglite#1046, open). The proxy below gives one client at a time the session, from its
// first message until PGlite answers ReadyForQuery "idle" for everything it sent (so a
// transaction keeps the session until it ends), and queues the others. Each client still has its
// own connection to the socket server, which therefore must accept more connections
// (`maxConnections`) than all clients together open — else it refuses the extra ones.
import { createServer, connect as netConnect } from 'node:net';

const STARTUP_CODES = new Set([196608]); // protocol 3.0
const CANCEL_REQUEST = 80877102;
const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

/**
 * Opens (or creates) the PGlite database in `dir` and serves it on `host:port`.
 * @returns {{ url: string, stop(): Promise<void> }}
 */
export async function startEmbeddedPostgres({
  dir,
  port,
  host = '127.0.0.1',
  maxConnections = 64,
  log = () => {},
}) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(dir);
  const inner = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  inner.addEventListener('error', (e) => log(`socket server: ${e.detail?.message ?? e.detail}`));
  try {
    await inner.start();
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  const innerPort = Number(inner.getServerConn().split(':').pop());

  // The session lock: the client that holds it, and those waiting (FIFO).
  let owner = null;
  const waiting = [];
  const grant = () => {
    while (owner === null && waiting.length > 0) {
      const next = waiting.shift();
      if (!next.closed) {
        owner = next;
        next.onGranted();
      }
    }
  };
  const release = (client) => {
    if (owner === client) {
      owner = null;
      grant();
    }
  };

  const sockets = new Set();
  const proxy = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const upstream = netConnect(innerPort, '127.0.0.1');
    upstream.setNoDelay(true);
    sockets.add(upstream);
    const client = {
      closed: false,
      startup: true, // the first packet has no type byte
      passthrough: false, // a cancel request: no session, no lock
      pending: [], // bytes received while not holding the lock
      inBuf: Buffer.alloc(0),
      outBuf: Buffer.alloc(0),
      outstanding: 0, // Sync / Query / startup sent, ReadyForQuery not yet received
      requested: false,
      onGranted: () => {
        client.requested = false;
        const bytes = Buffer.concat(client.pending);
        client.pending = [];
        forward(bytes);
      },
    };
    const close = () => {
      if (client.closed) return;
      client.closed = true;
      socket.destroy();
      upstream.destroy();
      sockets.delete(socket);
      sockets.delete(upstream);
      // The socket server rolls back an open transaction of a closed connection.
      release(client);
    };
    socket.on('error', close);
    socket.on('close', close);
    upstream.on('error', close);
    upstream.on('close', close);

    // Counts what needs an answer in the bytes a client sends, then sends them upstream.
    const forward = (bytes) => {
      client.inBuf = Buffer.concat([client.inBuf, bytes]);
      for (;;) {
        const b = client.inBuf;
        if (client.startup) {
          if (b.length < 8) break;
          const len = b.readInt32BE(0);
          if (b.length < len) break;
          const code = b.readInt32BE(4);
          client.inBuf = b.subarray(len);
          if (code === CANCEL_REQUEST) {
            client.passthrough = true;
          } else if (code === SSL_REQUEST || code === GSS_REQUEST) {
            // Not supported: answer "no" ourselves (the upstream's one-byte answer has no frame).
            socket.write('N');
            continue;
          } else if (STARTUP_CODES.has(code)) {
            client.startup = false;
            client.outstanding++;
          }
          upstream.write(b.subarray(0, len));
          if (client.passthrough) return;
          continue;
        }
        if (b.length < 5) break;
        const len = 1 + b.readInt32BE(1);
        if (b.length < len) break;
        const type = String.fromCharCode(b[0]);
        if (type === 'S' || type === 'Q') client.outstanding++;
        client.inBuf = b.subarray(len);
        upstream.write(b.subarray(0, len));
      }
    };

    socket.on('data', (chunk) => {
      if (client.passthrough || owner === client) return forward(chunk);
      client.pending.push(chunk);
      if (!client.requested) {
        client.requested = true;
        waiting.push(client);
        grant();
      }
    });

    // Watches the answers for ReadyForQuery: idle and nothing outstanding → the session is free.
    upstream.on('data', (chunk) => {
      socket.write(chunk);
      if (client.passthrough) return;
      client.outBuf = Buffer.concat([client.outBuf, chunk]);
      let idle = false;
      for (;;) {
        const b = client.outBuf;
        if (b.length < 5) break;
        const len = 1 + b.readInt32BE(1);
        if (b.length < len) break;
        if (b[0] === 0x5a /* Z */) {
          client.outstanding = Math.max(0, client.outstanding - 1);
          idle = b[5] === 0x49; /* I: not in a transaction */
        }
        client.outBuf = b.subarray(len);
      }
      if (idle && client.outstanding === 0 && client.inBuf.length === 0) release(client);
    });
  });

  await new Promise((done, reject) => {
    proxy.once('error', reject);
    proxy.listen(port, host, () => {
      proxy.off('error', reject);
      done();
    });
  }).catch(async (err) => {
    await inner.stop().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  });

  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    async stop() {
      await new Promise((done) => {
        proxy.close(() => done());
        for (const s of sockets) s.destroy();
      });
      await inner.stop().catch(() => {});
      await db.close();
    },
  };
}
