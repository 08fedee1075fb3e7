import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A Unix socket that forwards every connection to another one (gpg-agent's), and that can be
 * cut — closed, its connections dropped — and opened again: the backend disappearing and
 * coming back, as its client sees it.
 */
export class SocketProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  constructor(
    readonly path: string,
    readonly upstream: string,
  ) {}

  /** Starts forwarding. */
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.upstream);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
        socket.on('close', () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  /** Stops accepting (the socket file goes away) and drops every open connection. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }
}
