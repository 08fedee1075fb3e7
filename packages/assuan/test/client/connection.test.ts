// AssuanConnection against a scripted peer: faults and orderings the real daemons cannot be made
// to produce on demand. The behaviour against real GnuPG is covered in test/gnupg.
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { AssuanConnection } from '../../src/client/connection.js';
import { AssuanError, AssuanProtocolError } from '../../src/errors.js';
import { createFakeServer } from './fake-server.js';
import type { FakeServer } from './fake-server.js';

async function open(
  server: FakeServer,
  options: Parameters<typeof AssuanConnection.open>[1] = {},
): Promise<AssuanConnection> {
  return AssuanConnection.open(server.clientStream, options);
}

/** Reads the client's lines until one equals `line`, returning those before it. */
async function linesUntil(server: FakeServer, line: string): Promise<string[]> {
  const before: string[] = [];
  for (;;) {
    const next = await server.nextLine();
    if (next === line) return before;
    before.push(next);
  }
}

/** Decodes `D` lines (percent-escapes) into bytes. */
function decodeDataLines(lines: readonly string[]): Buffer {
  const parts = lines.map((line) => {
    expect(line.startsWith('D ')).toBe(true);
    return Buffer.from(
      line
        .slice(2)
        .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        ),
      'latin1',
    );
  });
  return Buffer.concat(parts);
}

function protocolError(reason: AssuanProtocolError['reason']): unknown {
  return expect.objectContaining({ name: 'AssuanProtocolError', reason });
}

describe('AssuanConnection.open', () => {
  it('reads the greeting, skipping comments', async () => {
    const server = createFakeServer('# hello\nOK Pleased to meet you, process 42\n');
    const connection = await open(server);
    expect(connection.greeting).toBe('Pleased to meet you, process 42');
    expect(connection.closed).toBe(false);
  });

  it('rejects an ERR greeting with an AssuanError and closes', async () => {
    const server = createFakeServer('ERR 67108961 Too many connections <GPG Agent>\n');
    const error: unknown = await open(server).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssuanError);
    expect(error).toMatchObject({
      source: 4,
      code: 97,
      description: 'Too many connections <GPG Agent>',
    });
    await server.whenClientGone();
  });

  it('rejects a greeting that is not OK or ERR', async () => {
    const server = createFakeServer('D hello\n');
    await expect(open(server)).rejects.toEqual(protocolError('unexpected-message'));
  });

  it('rejects when the stream closes before the greeting', async () => {
    const server = createFakeServer(null);
    server.end();
    await expect(open(server)).rejects.toEqual(protocolError('connection-closed'));
  });

  it('rejects with signal.reason and destroys the stream on abort', async () => {
    const server = createFakeServer(null);
    const controller = new AbortController();
    const opening = open(server, { signal: controller.signal });
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(opening).rejects.toBe(reason);
    await server.whenClientGone();
  });
});

describe('AssuanConnection.transact', () => {
  it('collects data, status lines and the OK text', async () => {
    const server = createFakeServer();
    const onStatus = vi.fn();
    const connection = await open(server, { onStatus });
    const result = connection.transact('READKEY', 'ABCDEF');
    expect(await server.nextLine()).toBe('READKEY ABCDEF');
    server.send('# a comment\nS PROGRESS x 1 2\nD (3:a%25b%0A\nD 1:\x01)\nEND\nOK done\n');
    const { data, status, text } = await result;
    expect(Buffer.from(data).toString('latin1')).toBe('(3:a%b\n1:\x01)');
    expect(status).toEqual([{ keyword: 'PROGRESS', args: 'x 1 2' }]);
    expect(text).toBe('done');
    expect(onStatus).toHaveBeenCalledWith('PROGRESS', 'x 1 2');
  });

  it('parses a response delivered byte by byte', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const result = connection.transact('GETINFO', 'version');
    await server.nextLine();
    await server.sendByteByByte('S X y\nD 2.2%2540\nOK\n');
    const { data, status } = await result;
    expect(Buffer.from(data).toString()).toBe('2.2%40');
    expect(status).toEqual([{ keyword: 'X', args: 'y' }]);
  });

  it('streams data to onData and status lines to the call before the connection', async () => {
    const server = createFakeServer();
    const connectionStatus = vi.fn();
    const connection = await open(server, { onStatus: connectionStatus });
    const chunks: string[] = [];
    const callStatus = vi.fn();
    const result = connection.transact('X', [], {
      onData: (chunk) => chunks.push(Buffer.from(chunk).toString()),
      onStatus: callStatus,
    });
    await server.nextLine();
    server.send('D one\nS K v\nD two\nOK\n');
    expect((await result).data.byteLength).toBe(0);
    expect(chunks).toEqual(['one', 'two']);
    expect(callStatus).toHaveBeenCalledWith('K', 'v');
    expect(connectionStatus).not.toHaveBeenCalled();
  });

  it('rejects ERR with an AssuanError naming the command but not its arguments', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const result = connection.transact('PRESET_PASSPHRASE', ['GRIP', '-1', 'hunter2secret']);
    expect(await server.nextLine()).toBe('PRESET_PASSPHRASE GRIP -1 hunter2secret');
    server.send('ERR 67108881 No secret key <GPG Agent>\n');
    const error: unknown = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssuanError);
    expect(error).toMatchObject({ gpgError: 67108881, source: 4, code: 17 });
    expect(String(error)).toContain('PRESET_PASSPHRASE');
    expect(String(error)).not.toContain('hunter2secret');
    // The connection stays usable after ERR.
    const next = connection.transact('NOP');
    expect(await server.nextLine()).toBe('NOP');
    server.send('OK\n');
    await expect(next).resolves.toMatchObject({ text: '' });
  });

  it('rejects an argument with a line feed without sending anything', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    await expect(connection.transact('OPTION', 'a\nBYE')).rejects.toEqual(
      protocolError('invalid-argument'),
    );
    const next = connection.transact('NOP');
    expect(await server.nextLine()).toBe('NOP');
    server.send('OK\n');
    await next;
  });

  it('sends queued commands one at a time, in order', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const results = Array.from({ length: 5 }, (_, i) => connection.transact('ECHO', String(i)));
    for (let i = 0; i < 5; i++) {
      expect(await server.nextLine()).toBe(`ECHO ${i}`);
      // The next command is not sent before this one's response.
      await new Promise((resolve) => setImmediate(resolve));
      expect(server.buffered).toEqual([]);
      server.send(`D ${i}\nOK\n`);
    }
    const texts = await Promise.all(
      results.map(async (r) => Buffer.from((await r).data).toString()),
    );
    expect(texts).toEqual(['0', '1', '2', '3', '4']);
  });
});

describe('protocol violations and closed streams', () => {
  it('drops the connection on a garbage line and rejects the queued commands too', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    const first = connection.transact('GETINFO', 'version');
    const second = connection.transact('NOP');
    await server.nextLine();
    server.send('HELLO WORLD\n');
    await expect(first).rejects.toBeInstanceOf(AssuanProtocolError);
    await expect(second).rejects.toBeInstanceOf(AssuanProtocolError);
    expect(connection.closed).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose.mock.calls[0]?.[0]).toBeInstanceOf(AssuanProtocolError);
    await server.whenClientGone();
    await expect(connection.transact('NOP')).rejects.toEqual(protocolError('connection-closed'));
  });

  it('rejects with connection-closed when the stream ends mid-response', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    const result = connection.transact('READKEY', 'X');
    await server.nextLine();
    server.send('D (10:public-key\n');
    server.end();
    const error: unknown = await result.catch((e: unknown) => e);
    expect(error).toEqual(protocolError('connection-closed'));
    expect(String(error)).toContain('READKEY');
    expect(connection.closed).toBe(true);
    expect(onClose).toHaveBeenCalledWith(error);
  });

  it('rejects with incomplete-line when the stream ends inside a line', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const result = connection.transact('NOP');
    await server.nextLine();
    server.send('OK no newline');
    server.end();
    await expect(result).rejects.toEqual(protocolError('incomplete-line'));
  });

  it('treats a line sent while no command runs as a violation', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    server.send('S SURPRISE\n');
    await server.whenClientGone();
    expect(connection.closed).toBe(true);
    expect(onClose.mock.calls[0]?.[0]).toEqual(protocolError('unexpected-message'));
  });

  it('reports the server closing an idle connection', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    server.end();
    await server.whenClientGone();
    expect(connection.closed).toBe(true);
    expect(onClose.mock.calls[0]?.[0]).toEqual(protocolError('connection-closed'));
  });

  it('enforces maxDataBytes per call and per connection, dropping the connection', async () => {
    const server = createFakeServer();
    const connection = await open(server, { maxDataBytes: 8 });
    const big = connection.transact('X', [], { maxDataBytes: 4 });
    await server.nextLine();
    server.send('D 1234\nD 5\nOK\n');
    await expect(big).rejects.toEqual(protocolError('data-limit'));
    expect(connection.closed).toBe(true);

    const server2 = createFakeServer();
    const connection2 = await open(server2, { maxDataBytes: 8 });
    const fits = connection2.transact('X');
    await server2.nextLine();
    server2.send('D 12345678\nOK\n');
    expect((await fits).data.byteLength).toBe(8);
    const larger = connection2.transact('X', [], { maxDataBytes: 100 });
    await server2.nextLine();
    server2.send(`D ${'z'.repeat(50)}\nOK\n`);
    expect((await larger).data.byteLength).toBe(50);
    const over = connection2.transact('X');
    await server2.nextLine();
    server2.send('D 123456789\nOK\n');
    await expect(over).rejects.toEqual(protocolError('data-limit'));
  });

  it('rejects a bad maxDataBytes', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    await expect(connection.transact('X', [], { maxDataBytes: -1 })).rejects.toBeInstanceOf(
      RangeError,
    );
  });
});

describe('inquiries', () => {
  it('answers with bytes, strings and streams, then END', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const answers = [
      Uint8Array.of(0x00, 0x25, 0x0a, 0x0d, 0x41),
      'pass phrase ✓',
      Readable.from([Buffer.from('ab'), Buffer.from('cd')]),
    ];
    const seen: [string, string][] = [];
    const result = connection.transact('PKDECRYPT', [], {
      onInquire: (keyword, args) => {
        seen.push([keyword, args]);
        return answers.shift();
      },
    });
    await server.nextLine();
    const received: Buffer[] = [];
    for (const keyword of ['A', 'B', 'C']) {
      server.send(`INQUIRE ${keyword} arg%20x\n`);
      received.push(decodeDataLines(await linesUntil(server, 'END')));
    }
    server.send('OK\n');
    await result;
    expect(seen).toEqual([
      ['A', 'arg%20x'],
      ['B', 'arg%20x'],
      ['C', 'arg%20x'],
    ]);
    expect([...(received[0] ?? [])]).toEqual([0x00, 0x25, 0x0a, 0x0d, 0x41]);
    expect(received[1]?.toString('utf8')).toBe('pass phrase ✓');
    expect(received[2]?.toString()).toBe('abcd');
  });

  it('sends a large answer in D lines of at most 1000 bytes', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const result = connection.transact('X', [], { onInquire: () => payload });
    await server.nextLine();
    server.send('INQUIRE DATA\n');
    const lines = await linesUntil(server, 'END');
    expect(lines.every((line) => Buffer.byteLength(line, 'latin1') <= 1000)).toBe(true);
    expect(decodeDataLines(lines).equals(payload)).toBe(true);
    server.send('OK\n');
    await result;
  });

  it('cancels (CAN) without onInquire, for undefined and { cancel: true }', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    for (const options of [
      {},
      { onInquire: () => undefined },
      { onInquire: () => ({ cancel: true }) as const },
    ]) {
      const result = connection.transact('PKSIGN', [], options);
      await server.nextLine();
      server.send('INQUIRE PASSPHRASE\n');
      expect(await server.nextLine()).toBe('CAN');
      server.send('ERR 83886179 Operation cancelled <Pinentry>\n');
      await expect(result).rejects.toMatchObject({ name: 'AssuanError', code: 99 });
    }
  });

  it('cancels when onInquire throws and rejects with its error; the connection stays usable', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const failure = new Error('no passphrase here');
    const result = connection.transact('PKSIGN', [], {
      onInquire: () => Promise.reject(failure),
    });
    await server.nextLine();
    server.send('INQUIRE PASSPHRASE\n');
    expect(await server.nextLine()).toBe('CAN');
    server.send('ERR 83886179 Operation cancelled\n');
    await expect(result).rejects.toBe(failure);
    const next = connection.transact('NOP');
    expect(await server.nextLine()).toBe('NOP');
    server.send('OK\n');
    await next;
  });

  it('drops the connection when the server talks before the inquiry is answered', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const result = connection.transact('X', [], {
      onInquire: () => new Promise<undefined>(() => undefined),
    });
    await server.nextLine();
    server.send('INQUIRE A\nOK\n');
    await expect(result).rejects.toEqual(protocolError('unexpected-message'));
    expect(connection.closed).toBe(true);
  });
});

describe('abort', () => {
  it('removes an aborted queued command without sending it', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const controller = new AbortController();
    const first = connection.transact('FIRST');
    const second = connection.transact('SECOND', [], { signal: controller.signal });
    const third = connection.transact('THIRD');
    expect(await server.nextLine()).toBe('FIRST');
    controller.abort(new Error('not needed'));
    await expect(second).rejects.toThrow('not needed');
    server.send('OK\n');
    await first;
    expect(await server.nextLine()).toBe('THIRD');
    server.send('OK\n');
    await third;
    expect(connection.closed).toBe(false);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const reason = new Error('before');
    await expect(
      connection.transact('NOP', [], { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    const next = connection.transact('NOP2');
    expect(await server.nextLine()).toBe('NOP2');
    server.send('OK\n');
    await next;
  });

  it('sends CAN when aborted during an inquiry and keeps the connection', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const controller = new AbortController();
    let inquirySignal: AbortSignal | undefined;
    const result = connection.transact('PKSIGN', [], {
      signal: controller.signal,
      onInquire: (_keyword, _args, signal) => {
        inquirySignal = signal;
        return new Promise<string>(() => undefined);
      },
    });
    await server.nextLine();
    server.send('INQUIRE PASSPHRASE\n');
    await vi.waitFor(() => {
      expect(inquirySignal).toBeDefined();
    });
    const reason = new Error('user gave up');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(inquirySignal?.aborted).toBe(true);
    expect(await server.nextLine()).toBe('CAN');
    const next = connection.transact('NOP');
    server.send('ERR 83886179 Operation cancelled\n');
    expect(await server.nextLine()).toBe('NOP');
    server.send('OK\n');
    await next;
    expect(connection.closed).toBe(false);
  });

  it('drops the connection when aborted while the response is pending', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    const controller = new AbortController();
    const result = connection.transact('PKSIGN', [], { signal: controller.signal });
    const queued = connection.transact('NOP');
    await server.nextLine();
    const reason = new Error('too slow');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    await expect(queued).rejects.toEqual(protocolError('connection-closed'));
    expect(connection.closed).toBe(true);
    const closeError: unknown = onClose.mock.calls[0]?.[0];
    expect(closeError).toEqual(protocolError('connection-closed'));
    expect((closeError as Error).cause).toBe(reason);
    await server.whenClientGone();
  });
});

describe('close', () => {
  it('waits for queued commands, sends BYE, and is idempotent', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    const pending = connection.transact('NOP');
    const closing = connection.close();
    const again = connection.close();
    await expect(connection.transact('LATE')).rejects.toEqual(protocolError('connection-closed'));
    expect(await server.nextLine()).toBe('NOP');
    server.send('OK\n');
    await pending;
    expect(await server.nextLine()).toBe('BYE');
    server.send('OK closing connection\n');
    await closing;
    await again;
    expect(connection.closed).toBe(true);
    expect(connection.closeError).toBeUndefined();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledWith();
    await server.whenClientGone();
    await connection[Symbol.asyncDispose]();
  });

  it('counts the server closing instead of answering BYE as a clean close', async () => {
    const server = createFakeServer();
    const onClose = vi.fn();
    const connection = await open(server, { onClose });
    const closing = connection.close();
    expect(await server.nextLine()).toBe('BYE');
    server.end();
    await closing;
    expect(onClose).toHaveBeenCalledWith();
  });

  it('resolves for an already failed connection', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    server.end();
    await server.whenClientGone();
    await connection.close();
    expect(connection.closeError).toBeInstanceOf(AssuanProtocolError);
  });

  it('destroys the connection when the close signal aborts', async () => {
    const server = createFakeServer();
    const connection = await open(server);
    const controller = new AbortController();
    const closing = connection.close({ signal: controller.signal });
    expect(await server.nextLine()).toBe('BYE');
    const reason = new Error('hurry');
    controller.abort(reason);
    await expect(closing).rejects.toBe(reason);
    expect(connection.closed).toBe(true);
    await server.whenClientGone();
  });
});
