// A scripted Assuan peer on one end of a `duplexPair`, for faults gpg-agent cannot be made to
// produce (garbage lines, a stream closing mid-response, unsolicited lines).
import { duplexPair } from 'node:stream';
import type { Duplex } from 'node:stream';

/** The server side of a fake connection: reads the client's lines, writes raw responses. */
export interface FakeServer {
  /** The client's end: hand it to `AssuanConnection.open`. */
  readonly clientStream: Duplex;
  /** Resolves with the next complete line the client sent (without LF), latin1-decoded. */
  nextLine(): Promise<string>;
  /** Lines received but not yet taken with `nextLine`. */
  readonly buffered: readonly string[];
  /** Writes raw text (latin1) to the client. */
  send(text: string): void;
  /** Writes text to the client one byte per write, yielding to the event loop in between. */
  sendByteByByte(text: string): Promise<void>;
  /** Ends the server's side (the client sees 'end'). */
  end(): void;
  /** True once the client's side ended or was destroyed. */
  readonly clientGone: boolean;
  /** Resolves when the client's side ended or was destroyed. */
  whenClientGone(): Promise<void>;
}

/** Creates a fake server; `greeting` (default `OK ready\n`) is sent at once unless null. */
export function createFakeServer(greeting: string | null = 'OK ready\n'): FakeServer {
  const [clientStream, serverStream] = duplexPair();
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let partial = '';
  let gone = false;
  const goneWaiters: (() => void)[] = [];
  const markGone = (): void => {
    if (gone) return;
    gone = true;
    for (const resolve of goneWaiters.splice(0)) resolve();
  };
  serverStream.on('data', (chunk: Buffer) => {
    partial += chunk.toString('latin1');
    let newline = partial.indexOf('\n');
    while (newline !== -1) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      const waiter = waiters.shift();
      if (waiter === undefined) lines.push(line);
      else waiter(line);
      newline = partial.indexOf('\n');
    }
  });
  // duplexPair does not pass a destroy() on to the other side: watch the client's end itself.
  serverStream.on('end', markGone);
  clientStream.on('close', markGone);
  if (greeting !== null) serverStream.write(Buffer.from(greeting, 'latin1'));
  return {
    clientStream,
    buffered: lines,
    nextLine() {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve) => {
        waiters.push(resolve);
      });
    },
    send(text) {
      serverStream.write(Buffer.from(text, 'latin1'));
    },
    async sendByteByByte(text) {
      for (const byte of Buffer.from(text, 'latin1')) {
        serverStream.write(Buffer.of(byte));
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    end() {
      serverStream.end();
    },
    get clientGone() {
      return gone;
    },
    whenClientGone() {
      if (gone) return Promise.resolve();
      return new Promise((resolve) => {
        goneWaiters.push(resolve);
      });
    },
  };
}
