import { connect, type Socket } from 'node:net';

/**
 * The baseline: the smallest Assuan client one could write by hand — a socket, a string
 * buffer, and a loop waiting for a line that starts with `OK` or `ERR`. No escaping, no
 * queue, no limits. keyroute's client is measured against it.
 */
export class RawAssuanClient {
  readonly #socket: Socket;
  #buffer = '';
  #waiter: ((line: string) => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#drain();
    });
  }

  /** Connects and reads the greeting. */
  static async connect(path: string): Promise<RawAssuanClient> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve).once('error', reject);
    });
    const client = new RawAssuanClient(socket);
    await client.#final();
    return client;
  }

  /** Sends one command and resolves with the final line (data lines are skipped). */
  async command(line: string): Promise<string> {
    this.#socket.write(`${line}\n`);
    return this.#final();
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.end('BYE\n');
  }

  #final(): Promise<string> {
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#drain();
    });
  }

  #drain(): void {
    for (;;) {
      const newline = this.#buffer.indexOf('\n');
      if (newline === -1 || !this.#waiter) return;
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line.startsWith('OK') || line.startsWith('ERR')) {
        const waiter = this.#waiter;
        this.#waiter = undefined;
        waiter(line);
      }
    }
  }
}
