/** The embedded Cosmos DB emulator (`@vercel/cosmosdb-server`) on plain HTTP. */
import { createHttpServer } from '@vercel/cosmosdb-server';
import type { Server } from 'node:http';

export interface CosmosEmulator {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startCosmosEmulator(port: number, host = '127.0.0.1'): Promise<CosmosEmulator> {
  // Keep-alive spares a TCP handshake per request; the emulator closes connections otherwise.
  const server = createHttpServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
