/**
 * A TCP proxy on the loopback address in front of one local service endpoint (an Azurite service
 * of a region's account, the Cosmos DB emulator), to stage how a region fails:
 * - `pass`: traffic flows both ways;
 * - `refuse`: every connection, open or new, is reset at once (a region that refuses);
 * - `blackhole`: connections are accepted and kept open, and nothing sent either way arrives (a
 *   region that silently stops answering, as most outages look from outside).
 * A request caught in the blackhole never reaches the service, and its connection is dropped when
 * the blackhole lifts (its HTTP exchange is broken by then), so nothing is delivered late.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type BlackholeMode = 'pass' | 'refuse' | 'blackhole';

export interface Blackhole {
  readonly port: number;
  readonly mode: BlackholeMode;
  setMode(mode: BlackholeMode): void;
  /** Connections the proxy holds open now (clients that gave up have closed theirs). */
  openConnections(): number;
  /** Bytes that arrived from clients while blackholed: requests that never reached the service. */
  swallowedBytes(): number;
  /**
   * Connections still open that lost data to the blackhole: a client whose call was aborted at its
   * deadline has closed its socket, so this falls to 0 when calls are ended, not merely abandoned.
   */
  brokenConnections(): number;
  close(): Promise<void>;
}

interface Connection {
  client: Socket;
  upstream?: Socket;
  /** Data was dropped on it: its HTTP exchange can never complete. */
  broken: boolean;
}

const loopback = '127.0.0.1';

export async function startBlackhole(
  targetPort: number,
  initial: BlackholeMode = 'pass',
): Promise<Blackhole> {
  let mode = initial;
  let swallowed = 0;
  const connections = new Set<Connection>();

  const drop = (connection: Connection) => {
    connections.delete(connection);
    connection.client.destroy();
    connection.upstream?.destroy();
  };

  const server: Server = createServer((client) => {
    const connection: Connection = { client, broken: false };
    connections.add(connection);
    client.on('error', () => drop(connection));
    client.on('close', () => drop(connection));
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'pass') attachUpstream(connection);
    client.on('data', (chunk: Buffer) => {
      if (mode === 'pass' && connection.upstream && !connection.broken) {
        if (!connection.upstream.write(chunk)) {
          client.pause();
          connection.upstream.once('drain', () => client.resume());
        }
        return;
      }
      swallowed += chunk.length;
      connection.broken = true;
    });
    client.on('end', () => connection.upstream?.end());
  });

  function attachUpstream(connection: Connection): void {
    const upstream = connect(targetPort, loopback);
    connection.upstream = upstream;
    upstream.on('error', () => drop(connection));
    upstream.on('close', () => drop(connection));
    upstream.on('end', () => connection.client.end());
    upstream.on('data', (chunk: Buffer) => {
      // An answer in flight when the blackhole fell is lost, as it would be on the wire.
      if (mode !== 'pass' || connection.broken) {
        connection.broken = true;
        return;
      }
      if (!connection.client.write(chunk)) {
        upstream.pause();
        connection.client.once('drain', () => upstream.resume());
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, loopback, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The blackhole proxy has no port');

  return {
    port: address.port,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
      for (const connection of [...connections]) {
        if (next === 'refuse') {
          connections.delete(connection);
          connection.client.resetAndDestroy();
          connection.upstream?.destroy();
        } else if (next === 'pass' && (connection.broken || !connection.upstream)) {
          // Accepted while blackholed, or data lost on it: no exchange on it can complete.
          drop(connection);
        }
      }
    },
    openConnections: () => connections.size,
    swallowedBytes: () => swallowed,
    brokenConnections: () => [...connections].filter((c) => c.broken).length,
    async close() {
      for (const connection of [...connections]) drop(connection);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
