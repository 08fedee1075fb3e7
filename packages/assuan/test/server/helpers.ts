/**
 * Test helpers: an in-memory duplex pair and a raw line client that shows exactly what the server
 * put on the wire.
 */

import { Duplex, PassThrough } from 'node:stream';

/** Two connected in-memory ends: what one writes, the other reads. */
export function duplexPair(): { server: Duplex; client: Duplex } {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  return {
    server: Duplex.from({ readable: toServer, writable: toClient }),
    client: Duplex.from({ readable: toClient, writable: toServer }),
  };
}

/**
 * Reads the server's raw lines (without LF, one character per byte: Latin-1) and writes raw
 * client lines.
 */
export class LineClient {
  readonly #stream: Duplex;
  readonly #lines: string[] = [];
  #buffer = '';
  #ended = false;
  #waiter: (() => void) | undefined;

  constructor(stream: Duplex) {
    this.#stream = stream;
    stream.on('data', (chunk: Uint8Array) => {
      // Latin-1 keeps one character per byte, so binary D lines survive as they were sent.
      this.#buffer += Buffer.from(chunk).toString('latin1');
      let newline = this.#buffer.indexOf('\n');
      while (newline !== -1) {
        this.#lines.push(this.#buffer.slice(0, newline));
        this.#buffer = this.#buffer.slice(newline + 1);
        newline = this.#buffer.indexOf('\n');
      }
      this.#notify();
    });
    stream.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.on('error', () => {
      this.#ended = true;
      this.#notify();
    });
  }

  /** True once the server ended its side and every line was read. */
  get ended(): boolean {
    return this.#ended && this.#lines.length === 0;
  }

  #notify(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /** Sends text as is (add the LF yourself). */
  write(text: string | Uint8Array): void {
    this.#stream.write(text);
  }

  /** Sends one line (LF appended). */
  send(line: string): void {
    this.#stream.write(`${line}\n`);
  }

  /** The next line from the server; rejects if the server ends first. */
  async readLine(): Promise<string> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#ended) throw new Error('the server ended the connection');
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  /** Lines up to and including the next `OK`/`ERR` line (stops early at an `INQUIRE`). */
  async response(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      lines.push(line);
      if (/^(OK|ERR)( |$)/.test(line) || line.startsWith('INQUIRE ')) return lines;
    }
  }

  /** Sends a command and returns its response lines. */
  async command(line: string): Promise<string[]> {
    this.send(line);
    return this.response();
  }

  /** Resolves once the server has ended its side (remaining lines are kept). */
  async closed(): Promise<void> {
    while (!this.#ended) {
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  /** Every line still to come, up to the server's end of the connection. */
  async rest(): Promise<string[]> {
    await this.closed();
    return this.#lines.splice(0);
  }

  /** Ends the client's side (a half-close: the server's answers can still be read). */
  end(text?: string): void {
    if (text === undefined) this.#stream.end();
    else this.#stream.end(text);
  }

  /** Drops the connection at once, both directions (a client that is really gone). */
  destroy(): void {
    this.#stream.destroy();
  }
}

/** Decodes the payload of `D` lines (Latin-1 strings from {@link LineClient}) and concatenates it. */
export function decodeDataLines(lines: readonly string[]): Uint8Array {
  const bytes: number[] = [];
  for (const line of lines) {
    if (!line.startsWith('D ')) continue;
    const payload = line.slice(2);
    for (let i = 0; i < payload.length; i++) {
      if (payload[i] === '%') {
        bytes.push(Number.parseInt(payload.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(payload.charCodeAt(i));
      }
    }
  }
  return Uint8Array.from(bytes);
}
