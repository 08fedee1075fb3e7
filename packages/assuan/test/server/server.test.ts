import { Duplex } from 'node:stream';
import { setImmediate as nextMacrotask } from 'node:timers/promises';

import { describe, expect, it, vi } from 'vitest';

import { GPG_ERROR_CODE, GPG_ERROR_SOURCE } from '../../src/constants.js';
import { AssuanError, makeGpgError } from '../../src/errors.js';
import { createAssuanServer } from '../../src/server/server.js';
import type {
  AssuanServerOptions,
  CommandContext,
  OptionValueEscaping,
} from '../../src/server/types.js';
import { decodeDataLines, duplexPair, LineClient } from './helpers.js';

/** Serves one in-memory connection; the greeting is already read. */
async function connect(options: AssuanServerOptions, signal?: AbortSignal) {
  const pair = duplexPair();
  const server = createAssuanServer(options);
  const done = server.handle(pair.server, signal === undefined ? {} : { signal });
  const client = new LineClient(pair.client);
  const greeting = await client.readLine();
  return { client, done, greeting };
}

const code = (value: number): number => makeGpgError(GPG_ERROR_SOURCE.UNKNOWN, value);

/** A command that sends the connection's options as JSON data. */
const dumpOptions = (context: CommandContext): Promise<void> =>
  context.data(JSON.stringify(Object.fromEntries(context.options)));

describe('greeting and basic responses', () => {
  it('greets like libassuan and answers NOP, BYE', async () => {
    const { client, done, greeting } = await connect({ commands: {} });
    expect(greeting).toBe('OK Pleased to meet you');
    expect(await client.command('NOP')).toEqual(['OK']);
    expect(await client.command('nop')).toEqual(['OK']);
    expect(await client.command('BYE')).toEqual(['OK closing connection']);
    await done;
    await client.closed();
    expect(client.ended).toBe(true);
  });

  it('sends a multi-line greeting as comments followed by OK', async () => {
    const pair = duplexPair();
    const done = createAssuanServer({ commands: {}, greeting: 'Home: /x\nready' }).handle(
      pair.server,
    );
    const client = new LineClient(pair.client);
    expect(await client.readLine()).toBe('# Home: /x');
    expect(await client.readLine()).toBe('OK ready');
    client.send('BYE');
    await done;
  });

  it('maps return values to OK text and AssuanError to ERR with its code and description', async () => {
    const { client } = await connect({
      errorSource: GPG_ERROR_SOURCE.GPG_AGENT,
      commands: {
        Hello: () => 'world',
        ASYNC: () => Promise.resolve('later'),
        EMPTY: () => '',
        FAIL: () => {
          throw new AssuanError(
            makeGpgError(GPG_ERROR_SOURCE.GPG_AGENT, GPG_ERROR_CODE.NO_SECKEY),
            'No secret key',
          );
        },
      },
    });
    expect(await client.command('HELLO')).toEqual(['OK world']);
    expect(await client.command('hello')).toEqual(['OK world']);
    expect(await client.command('ASYNC')).toEqual(['OK later']);
    expect(await client.command('EMPTY')).toEqual(['OK']);
    expect(await client.command('FAIL')).toEqual(['ERR 67108881 No secret key']);
    // The framework's own errors carry the configured source (4 = gpg-agent, as gpg-agent sends).
    expect(await client.command('NOPE')).toEqual(['ERR 67109139 Unknown command']);
  });

  it('answers an unknown command with ASS_UNKNOWN_CMD and keeps the connection', async () => {
    const { client } = await connect({ commands: {} });
    expect(await client.command('FROBNICATE a b')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_UNKNOWN_CMD)} Unknown command`,
    ]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });

  it('answers END, CAN and D outside an inquiry with ASS_UNEXPECTED_CMD', async () => {
    const { client } = await connect({ commands: {} });
    const unexpected = `ERR ${code(GPG_ERROR_CODE.ASS_UNEXPECTED_CMD)} Unexpected command: no inquiry is running`;
    expect(await client.command('END')).toEqual([unexpected]);
    expect(await client.command('CAN')).toEqual([unexpected]);
    expect(await client.command('D abc')).toEqual([unexpected]);
    expect(await client.command('end')).toEqual([unexpected]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });

  it('ignores comment and empty lines, rejects a leading blank as a syntax error', async () => {
    const { client } = await connect({ commands: {} });
    client.write('# a comment\n\n');
    expect(await client.command('  NOP')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_SYNTAX)} leading white-space`,
    ]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });
});

describe('handler errors', () => {
  it('answers a plain Error with GENERAL and a fixed text, never its message, and reports it', async () => {
    const onError = vi.fn();
    const secret = new Error('passphrase was hunter2');
    const { client } = await connect({
      onError,
      commands: {
        LEAK: () => {
          throw secret;
        },
      },
    });
    const response = await client.command('LEAK');
    expect(response).toEqual([`ERR ${code(GPG_ERROR_CODE.GENERAL)} Internal error`]);
    expect(response.join('\n')).not.toContain('hunter2');
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toBe(secret);
    expect((onError.mock.calls[0]?.[1] as CommandContext).command).toBe('LEAK');
  });

  it('survives an onError hook that throws', async () => {
    const { client } = await connect({
      onError: () => {
        throw new Error('hook failed');
      },
      commands: {
        BAD: () => Promise.reject(new Error('x')),
      },
    });
    expect(await client.command('BAD')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.GENERAL)} Internal error`,
    ]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });
});

describe('injection', () => {
  it("escapes a handler's data so a smuggled OK stays data", async () => {
    const { client } = await connect({
      commands: {
        ECHO: (context) => context.data('x\nOK\nERR 1 boom\r\n%'),
      },
    });
    const response = await client.command('ECHO');
    expect(response).toEqual(['D x%0AOK%0AERR 1 boom%0D%0A%25', 'OK']);
    expect(response.filter((line) => line.startsWith('OK'))).toHaveLength(1);
    expect(new TextDecoder().decode(decodeDataLines(response))).toBe('x\nOK\nERR 1 boom\r\n%');
  });

  it('refuses OK text and status arguments with line breaks instead of sending them', async () => {
    const onError = vi.fn();
    const { client } = await connect({
      onError,
      commands: {
        OKTEXT: () => 'fine\nOK injected',
        STATUS: async (context) => {
          await context.status('PROGRESS', 'a\nOK injected');
        },
      },
    });
    const generic = `ERR ${code(GPG_ERROR_CODE.GENERAL)} Internal error`;
    expect(await client.command('OKTEXT')).toEqual([generic]);
    expect(await client.command('STATUS')).toEqual([generic]);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(await client.command('NOP')).toEqual(['OK']);
  });
});

describe('data and status', () => {
  it('splits data over 1000 bytes into D lines that decode back', async () => {
    const payload = new Uint8Array(5000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 256;
    const { client } = await connect({
      commands: { BLOB: (context) => context.data(payload) },
    });
    const response = await client.command('BLOB');
    expect(response.at(-1)).toBe('OK');
    const dataLines = response.slice(0, -1);
    expect(dataLines.length).toBeGreaterThan(5);
    for (const line of dataLines) {
      expect(line.startsWith('D ')).toBe(true);
      expect(line.length).toBeLessThanOrEqual(1000);
    }
    expect(decodeDataLines(dataLines)).toEqual(payload);
  });

  it('sends status lines and comments before the OK, in order with data', async () => {
    const { client } = await connect({
      commands: {
        WORK: async (context) => {
          await context.status('PROGRESS', 'learncard k 1 2');
          await context.data('abc');
          await context.comment('debug note');
          await context.status('KEYPAIRINFO');
          return 'done';
        },
      },
    });
    expect(await client.command('WORK')).toEqual([
      'S PROGRESS learncard k 1 2',
      'D abc',
      '# debug note',
      'S KEYPAIRINFO',
      'OK done',
    ]);
  });

  it('waits for the client to read before data() resolves (backpressure)', async () => {
    const payload = new Uint8Array(1024 * 1024).fill(0x41);
    let sent = false;
    const pair = duplexPair();
    const done = createAssuanServer({
      commands: {
        BIG: async (context) => {
          await context.data(payload);
          sent = true;
        },
      },
    }).handle(pair.server);
    // Nobody reads yet: the stream fills up and data() must not complete.
    pair.client.write('BIG\n');
    for (let i = 0; i < 50; i++) await nextMacrotask();
    expect(sent).toBe(false);
    const client = new LineClient(pair.client);
    await client.readLine(); // greeting
    const response = await client.response();
    expect(sent).toBe(true);
    // Buffer comparison: a deep equality over a million elements is needlessly slow.
    expect(Buffer.from(decodeDataLines(response)).equals(payload)).toBe(true);
    client.send('BYE');
    await done;
  });
});

describe('HELP', () => {
  const commands = {
    GETINFO: {
      handler: () => undefined,
      help: 'GETINFO <what>\n\nMultipurpose function.\n  version - the version',
    },
    ECHO: { handler: () => undefined, help: 'Sends its arguments back.' },
    plain: () => undefined,
  };

  it('lists the built-ins and the commands as comment lines, with synopsis lines', async () => {
    const { client } = await connect({ commands });
    expect(await client.command('HELP')).toEqual([
      '# NOP',
      '# OPTION',
      '# BYE',
      '# RESET',
      '# HELP',
      '# GETINFO <what>',
      '# ECHO',
      '# PLAIN',
      'OK',
    ]);
  });

  it('shows the help of one command, line by line', async () => {
    const { client } = await connect({ commands });
    expect(await client.command('HELP getinfo')).toEqual([
      '# GETINFO <what>',
      '#',
      '# Multipurpose function.',
      '#   version - the version',
      'OK',
    ]);
    expect(await client.command('HELP NOPE')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.UNKNOWN_COMMAND)} Unknown command`,
    ]);
    expect(await client.command('HELP PLAIN')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.NOT_FOUND)} No help available`,
    ]);
    expect(await client.command('HELP NOP')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.NOT_FOUND)} No help available`,
    ]);
  });
});

describe('OPTION', () => {
  it('uses values as sent by default, like libassuan and gpg-agent', async () => {
    const { client } = await connect({ commands: { DUMP: dumpOptions } });
    expect(await client.command('OPTION display=a%20b+c')).toEqual(['OK']);
    expect(await client.command('OPTION putenv=X=%zz')).toEqual(['OK']);
    const response = await client.command('DUMP');
    expect(JSON.parse(new TextDecoder().decode(decodeDataLines(response)))).toEqual({
      display: 'a%20b+c',
      putenv: 'X=%zz',
    });
  });

  it('percent-decodes values and accepts name=value, name value and --name=value', async () => {
    const { client } = await connect({
      optionValueEscaping: 'percent',
      commands: { DUMP: dumpOptions },
    });
    expect(await client.command('OPTION display=a%20b+c')).toEqual(['OK']);
    expect(await client.command('OPTION --ttyname = /dev/pts/1  ')).toEqual(['OK']);
    expect(await client.command('OPTION lc-ctype en_US.UTF-8')).toEqual(['OK']);
    expect(await client.command('OPTION allow-pinentry-notify')).toEqual(['OK']);
    const response = await client.command('DUMP');
    expect(JSON.parse(new TextDecoder().decode(decodeDataLines(response)))).toEqual({
      display: 'a b+c',
      ttyname: '/dev/pts/1',
      'lc-ctype': 'en_US.UTF-8',
      'allow-pinentry-notify': '',
    });
  });

  it('decodes + as a space with percent-plus and passes the value verbatim with raw', async () => {
    const seen: (string | undefined)[] = [];
    const plus = await connect({
      optionValueEscaping: 'percent-plus',
      onOption: (_name, value) => {
        seen.push(value);
      },
      commands: {},
    });
    expect(await plus.client.command('OPTION display=a%20b+c')).toEqual(['OK']);
    const raw = await connect({
      optionValueEscaping: 'raw',
      onOption: (_name, value) => {
        seen.push(value);
      },
      commands: {},
    });
    expect(await raw.client.command('OPTION display=a%20b+c')).toEqual(['OK']);
    expect(await raw.client.command('OPTION bare')).toEqual(['OK']);
    expect(seen).toEqual(['a b c', 'a%20b+c', undefined]);
  });

  it('rejects malformed OPTION lines with ASS_SYNTAX and libassuan texts', async () => {
    const { client } = await connect({ commands: {} });
    const syntax = code(GPG_ERROR_CODE.ASS_SYNTAX);
    expect(await client.command('OPTION')).toEqual([`ERR ${syntax} argument required`]);
    expect(await client.command('OPTION =x')).toEqual([`ERR ${syntax} no option name given`]);
    expect(await client.command('OPTION foo=')).toEqual([`ERR ${syntax} option argument expected`]);
    expect(await client.command('OPTION -foo=1')).toEqual([
      `ERR ${syntax} option should not begin with one dash`,
    ]);
  });

  it('rejects a bad percent escape in a value with ASS_SYNTAX when decoding', async () => {
    const { client } = await connect({ optionValueEscaping: 'percent', commands: {} });
    expect(await client.command('OPTION foo=%zz')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_SYNTAX)} invalid percent escape in the option value`,
    ]);
    expect(await client.command('OPTION foo=%41')).toEqual(['OK']);
  });

  it('refuses options outside knownOptions with UNKNOWN_OPTION and lets onOption refuse', async () => {
    const { client } = await connect({
      knownOptions: ['display', 'ttyname'],
      onOption: (name, value) => {
        if (name === 'ttyname' && value?.startsWith('/dev/') !== true) {
          throw new AssuanError(code(GPG_ERROR_CODE.ASS_PARAMETER), 'not a tty');
        }
      },
      commands: { DUMP: dumpOptions },
    });
    expect(await client.command('OPTION colour=red')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.UNKNOWN_OPTION)} Unknown option`,
    ]);
    expect(await client.command('OPTION ttyname=/tmp/x')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_PARAMETER)} not a tty`,
    ]);
    expect(await client.command('OPTION display=:0')).toEqual(['OK']);
    const response = await client.command('DUMP');
    expect(JSON.parse(new TextDecoder().decode(decodeDataLines(response)))).toEqual({
      display: ':0',
    });
  });
});

describe('RESET and the session', () => {
  it('keeps session state between commands, RESET calls onReset and clears it', async () => {
    const onReset = vi.fn((session: Map<string, unknown>) => {
      expect(session.get('key')).toBe('ABCD');
    });
    const { client } = await connect({
      onReset,
      commands: {
        SIGKEY: (context) => {
          context.session.set('key', context.args);
        },
        PKSIGN: (context) => {
          const key = context.session.get('key');
          if (typeof key !== 'string') {
            throw new AssuanError(code(GPG_ERROR_CODE.NO_SECKEY), 'no key set');
          }
          return `signed with ${key}`;
        },
      },
    });
    expect(await client.command('SIGKEY ABCD')).toEqual(['OK']);
    expect(await client.command('PKSIGN')).toEqual(['OK signed with ABCD']);
    expect(await client.command('RESET')).toEqual(['OK']);
    expect(onReset).toHaveBeenCalledTimes(1);
    expect(await client.command('PKSIGN')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.NO_SECKEY)} no key set`,
    ]);
  });

  it('keeps the session when onReset refuses', async () => {
    const { client } = await connect({
      onReset: () => {
        throw new AssuanError(code(GPG_ERROR_CODE.INV_STATE), 'busy');
      },
      commands: {
        SET: (context) => {
          context.session.set('v', 1);
        },
        GET: (context) => String(context.session.get('v')),
      },
    });
    await client.command('SET');
    expect(await client.command('RESET')).toEqual([`ERR ${code(GPG_ERROR_CODE.INV_STATE)} busy`]);
    expect(await client.command('GET')).toEqual(['OK 1']);
  });
});

describe('inquire', () => {
  const commands: AssuanServerOptions['commands'] = {
    ASK: async (context) => {
      const answer = await context.inquire('NEEDDATA', 'please', { maxBytes: 16 });
      await context.data(answer);
      return `${answer.length} bytes`;
    },
  };

  it('collects D lines up to END, skipping comments', async () => {
    const { client } = await connect({ commands });
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    client.send('D hello%0A');
    client.send('# a comment');
    client.send('D w%25rld');
    expect(await client.command('END')).toEqual(['D hello%0Aw%25rld', 'OK 11 bytes']);
  });

  it('accepts an empty answer', async () => {
    const { client } = await connect({ commands });
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    expect(await client.command('END')).toEqual(['OK 0 bytes']);
  });

  it('rejects with ASS_CANCELED when the client sends CAN (or CANCEL, as gpg-connect-agent does)', async () => {
    const { client } = await connect({ commands });
    const canceled = `ERR ${code(GPG_ERROR_CODE.ASS_CANCELED)} canceled by the client`;
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    client.send('D partial');
    expect(await client.command('CAN')).toEqual([canceled]);
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    expect(await client.command('CANCEL')).toEqual([canceled]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });

  it('lets a handler catch the cancel and answer on its own', async () => {
    const { client } = await connect({
      commands: {
        ASK: async (context) => {
          try {
            await context.inquire('PIN');
            return 'got it';
          } catch (error) {
            if (error instanceof AssuanError && error.code === GPG_ERROR_CODE.ASS_CANCELED) {
              return 'fine, no pin';
            }
            throw error;
          }
        },
      },
    });
    expect(await client.command('ASK')).toEqual(['INQUIRE PIN']);
    expect(await client.command('CAN')).toEqual(['OK fine, no pin']);
  });

  it('drains an answer over the limit up to END, then answers ASS_TOO_MUCH_DATA', async () => {
    const { client } = await connect({ commands });
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    client.send('D 0123456789');
    client.send('D 0123456789');
    client.send('D these lines must not be taken for commands');
    client.send('D NOP');
    expect(await client.command('END')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_TOO_MUCH_DATA)} the inquired NEEDDATA exceeds 16 bytes`,
    ]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });

  it('answers a malformed D line once and closes: the parser cannot resynchronise', async () => {
    const { client, done } = await connect({ commands });
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    expect(await client.command('D bad%zz')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_SYNTAX)} Malformed line (bad-escape)`,
    ]);
    await done;
    await client.closed();
    expect(client.ended).toBe(true);
  });

  it('uses maxInquireBytes when the handler sets no limit', async () => {
    const { client } = await connect({
      maxInquireBytes: 4,
      commands: { ASK: async (context) => String((await context.inquire('X')).length) },
    });
    expect(await client.command('ASK')).toEqual(['INQUIRE X']);
    client.send('D 1234');
    expect(await client.command('END')).toEqual(['OK 4']);
    expect(await client.command('ASK')).toEqual(['INQUIRE X']);
    client.send('D 12345');
    expect(await client.command('END')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_TOO_MUCH_DATA)} the inquired X exceeds 4 bytes`,
    ]);
  });

  it('ends the inquiry with ASS_UNEXPECTED_CMD when the client sends a command', async () => {
    const { client } = await connect({ commands });
    expect(await client.command('ASK')).toEqual(['INQUIRE NEEDDATA please']);
    expect(await client.command('NOP')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_UNEXPECTED_CMD)} Unexpected command during an inquiry`,
    ]);
    expect(await client.command('NOP')).toEqual(['OK']);
  });

  it('refuses a nested inquiry with ASS_NESTED_COMMANDS', async () => {
    let nested: unknown;
    const { client } = await connect({
      commands: {
        TWICE: async (context) => {
          const first = context.inquire('A');
          try {
            await context.inquire('B');
          } catch (error) {
            nested = error;
          }
          return String((await first).length);
        },
      },
    });
    expect(await client.command('TWICE')).toEqual(['INQUIRE A']);
    client.send('D xy');
    expect(await client.command('END')).toEqual(['OK 2']);
    expect(nested).toMatchObject({ name: 'AssuanError', code: GPG_ERROR_CODE.ASS_NESTED_COMMANDS });
  });

  it('does not let an inquiry outlive its command', async () => {
    let orphan: Promise<unknown> | undefined;
    const { client } = await connect({
      commands: {
        FORGETFUL: (context) => {
          orphan = context.inquire('LOST').catch((error: unknown) => error);
          return 'returned early';
        },
      },
    });
    expect(await client.command('FORGETFUL')).toEqual(['INQUIRE LOST']);
    expect(await client.response()).toEqual(['OK returned early']);
    // The next command is a command, not an answer to the abandoned inquiry.
    expect(await client.command('NOP')).toEqual(['OK']);
    expect(await orphan).toMatchObject({ message: expect.stringMatching(/completed/) as unknown });
  });
});

describe('ordering, limits and the end of a connection', () => {
  it('processes pipelined commands strictly in order, one at a time', async () => {
    const events: string[] = [];
    const { client } = await connect({
      commands: {
        SLOW: async () => {
          events.push('slow start');
          for (let i = 0; i < 10; i++) await nextMacrotask();
          events.push('slow end');
          return 'slow';
        },
        FAST: () => {
          events.push('fast');
          return 'fast';
        },
      },
    });
    client.write('SLOW\nFAST\nNOP\n');
    expect(await client.response()).toEqual(['OK slow']);
    expect(await client.response()).toEqual(['OK fast']);
    expect(await client.response()).toEqual(['OK']);
    expect(events).toEqual(['slow start', 'slow end', 'fast']);
  });

  it('stops reading above maxPendingBytes and resumes as the backlog is consumed', async () => {
    const order: number[] = [];
    const { client } = await connect({
      maxPendingBytes: 16,
      commands: {
        STEP: async (context) => {
          await nextMacrotask();
          order.push(Number(context.args));
          return context.args;
        },
      },
    });
    const count = 200;
    // One write per line: separate chunks, most of them arriving while the server is paused.
    for (let i = 0; i < count; i++) client.send(`STEP ${i}`);
    for (let i = 0; i < count; i++) expect(await client.response()).toEqual([`OK ${i}`]);
    expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('answers a line that is too long with ASS_LINE_TOO_LONG and closes, after the lines before it', async () => {
    const { client, done } = await connect({ commands: {} });
    client.write(`NOP\nNOP ${'x'.repeat(1200)}\nNOP\n`);
    expect(await client.readLine()).toBe('OK');
    expect(await client.readLine()).toBe(
      `ERR ${code(GPG_ERROR_CODE.ASS_LINE_TOO_LONG)} Line too long`,
    );
    await done;
    await client.closed();
    expect(client.ended).toBe(true);
  });

  it('honours a smaller maxLineLength', async () => {
    const { client, done } = await connect({ maxLineLength: 10, commands: {} });
    expect(await client.command('NOP 12345')).toEqual(['OK']);
    expect(await client.command('NOP 123456789')).toEqual([
      `ERR ${code(GPG_ERROR_CODE.ASS_LINE_TOO_LONG)} Line too long`,
    ]);
    await done;
  });

  it('aborts the running command when the client is gone (stream destroyed)', async () => {
    let reason: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const { client, done } = await connect({
      commands: {
        WAIT: (context) =>
          new Promise<void>((_resolve, reject) => {
            context.signal.addEventListener('abort', () => {
              reason = context.signal.reason;
              reject(context.signal.reason as Error);
            });
            started();
          }),
      },
    });
    client.send('WAIT');
    await running;
    client.destroy();
    await done;
    expect(reason).toMatchObject({ name: 'AssuanProtocolError', reason: 'connection-closed' });
  });

  it('returns at once for a stream that is already destroyed', async () => {
    const pair = duplexPair();
    // Destroying one end of the pair errors the other (AbortError): expected, not a failure.
    pair.client.on('error', () => undefined);
    pair.server.destroy();
    await createAssuanServer({ commands: {} }).handle(pair.server);
    expect(pair.server.destroyed).toBe(true);
  });

  it('rejects context calls after the command completed', async () => {
    let saved: CommandContext | undefined;
    const { client } = await connect({
      commands: {
        KEEP: (context) => {
          saved = context;
        },
      },
    });
    expect(await client.command('KEEP')).toEqual(['OK']);
    await expect(saved?.data('late')).rejects.toThrow(/has completed/);
    await expect(saved?.status('LATE')).rejects.toThrow(/has completed/);
    expect(await client.command('NOP')).toEqual(['OK']);
  });

  it('closes an idle connection after idleTimeoutMs', async () => {
    const { client, done } = await connect({ idleTimeoutMs: 20, commands: {} });
    expect(await client.command('NOP')).toEqual(['OK']);
    await done;
    await client.closed();
    expect(client.ended).toBe(true);
  });

  it('rejects handle() with the reason when its signal aborts, aborting the command', async () => {
    const controller = new AbortController();
    let commandSignal: AbortSignal | undefined;
    const { client, done } = await connect(
      {
        commands: {
          WAIT: (context) => {
            commandSignal = context.signal;
            const aborted = new Promise<void>((resolve) => {
              context.signal.addEventListener('abort', () => {
                resolve();
              });
            });
            controller.abort(new Error('shutting down'));
            return aborted;
          },
        },
      },
      controller.signal,
    );
    client.send('WAIT');
    await expect(done).rejects.toThrow('shutting down');
    expect(commandSignal?.aborted).toBe(true);
  });
});

describe('end of input (half-close)', () => {
  /** A command that waits until the test releases it, and records its signal. */
  function gate() {
    let release!: () => void;
    let started!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const signals: AbortSignal[] = [];
    const handler = async (context: CommandContext): Promise<string> => {
      signals.push(context.signal);
      started();
      await released;
      return 'released';
    };
    return { handler, release, running, signals };
  }

  it('answers every pipelined command sent before the end, in order, then closes', async () => {
    const events: string[] = [];
    const signals: AbortSignal[] = [];
    const { client, done } = await connect({
      commands: {
        SLOW: async (context) => {
          signals.push(context.signal);
          events.push('slow start');
          for (let i = 0; i < 10; i++) await nextMacrotask();
          events.push('slow end');
          return 'slow';
        },
      },
    });
    client.end('NOP\nSLOW\nNOP\nBYE\n');
    expect(await client.rest()).toEqual(['OK', 'OK slow', 'OK', 'OK closing connection']);
    await done;
    expect(events).toEqual(['slow start', 'slow end']);
    expect(signals.map((signal) => signal.aborted)).toEqual([false]);
  });

  it('closes after the last answer when the client ends without BYE', async () => {
    const { client, done } = await connect({ commands: { PING: () => 'pong' } });
    client.end('PING\n# a comment\nNOP\nPING\n');
    expect(await client.rest()).toEqual(['OK pong', 'OK', 'OK pong']);
    await done;
  });

  it('does not run commands after BYE even if more lines were sent', async () => {
    const ran: string[] = [];
    const { client, done } = await connect({
      commands: {
        RUN: (context) => {
          ran.push(context.args);
        },
      },
    });
    client.end('RUN 1\nBYE\nRUN 2\n');
    expect(await client.rest()).toEqual(['OK', 'OK closing connection']);
    await done;
    expect(ran).toEqual(['1']);
  });

  it('does not abort a command that runs when the client half-closes; answers it and the rest', async () => {
    const wait = gate();
    const { client, done } = await connect({ commands: { WAIT: wait.handler } });
    client.send('WAIT');
    await wait.running;
    client.end('NOP\n');
    // The server has seen the end of input: let it act on it before the command completes.
    for (let i = 0; i < 10; i++) await nextMacrotask();
    expect(wait.signals[0]?.aborted).toBe(false);
    wait.release();
    expect(await client.rest()).toEqual(['OK released', 'OK']);
    await done;
    expect(wait.signals[0]?.aborted).toBe(false);
  });

  it('lets a command send data after the half-close', async () => {
    const { client, done } = await connect({
      commands: {
        LATE: async (context) => {
          for (let i = 0; i < 5; i++) await nextMacrotask();
          await context.status('PROGRESS', 'late 1 1');
          await context.data('still here');
        },
      },
    });
    client.end('LATE\n');
    expect(await client.rest()).toEqual(['S PROGRESS late 1 1', 'D still here', 'OK']);
    await done;
  });

  it('ignores an incomplete last line (no LF) and closes, like libassuan (ASS_INCOMPLETE_LINE, no reply)', async () => {
    const ran: string[] = [];
    const { client, done } = await connect({
      commands: {
        RUN: (context) => {
          ran.push(context.args);
        },
      },
    });
    client.end('RUN 1\nRUN 2');
    expect(await client.rest()).toEqual(['OK']);
    await done;
    expect(ran).toEqual(['1']);
  });

  it('rejects an inquiry cut short by the end of input with EOF, or ASS_INCOMPLETE_LINE', async () => {
    const errors: unknown[] = [];
    const options: AssuanServerOptions = {
      commands: {
        ASK: async (context) => {
          try {
            return String((await context.inquire('MORE')).length);
          } catch (error) {
            errors.push(error);
            throw error;
          }
        },
      },
    };
    const eof = await connect(options);
    eof.client.end('ASK\nD abc\n');
    expect(await eof.client.rest()).toEqual([
      'INQUIRE MORE',
      `ERR ${code(GPG_ERROR_CODE.EOF)} the client ended its input during the inquiry`,
    ]);
    await eof.done;

    const partial = await connect(options);
    partial.client.end('ASK\nD abc\nEN');
    expect(await partial.client.rest()).toEqual([
      'INQUIRE MORE',
      `ERR ${code(GPG_ERROR_CODE.ASS_INCOMPLETE_LINE)} Incomplete line`,
    ]);
    await partial.done;
    expect(errors).toMatchObject([
      { name: 'AssuanError', code: GPG_ERROR_CODE.EOF },
      { name: 'AssuanError', code: GPG_ERROR_CODE.ASS_INCOMPLETE_LINE },
    ]);
  });

  it('still answers a complete inquiry and the commands after it before closing', async () => {
    const { client, done } = await connect({
      commands: { ASK: async (context) => String((await context.inquire('MORE')).length) },
    });
    client.end('ASK\nD abc\nEND\nNOP\n');
    expect(await client.rest()).toEqual(['INQUIRE MORE', 'OK 3', 'OK']);
    await done;
  });

  it('processes what was buffered above maxPendingBytes before the end', async () => {
    const { client, done } = await connect({
      maxPendingBytes: 16,
      commands: {
        STEP: async (context) => {
          await nextMacrotask();
          return context.args;
        },
      },
    });
    const count = 100;
    for (let i = 0; i < count; i++) client.send(`STEP ${i}`);
    client.end();
    expect(await client.rest()).toEqual(Array.from({ length: count }, (_, i) => `OK ${i}`));
    await done;
  });

  it('aborts the running command when the stream cannot carry its answer (allowHalfOpen false)', async () => {
    let signal: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    // Node ends the writable side of such a stream at the end of input: nobody gets answers.
    const stream = new Duplex({
      allowHalfOpen: false,
      read() {
        // Input is pushed below.
      },
      write(_chunk: Uint8Array, _encoding, callback) {
        callback();
      },
    });
    const done = createAssuanServer({
      commands: {
        WAIT: async (context) => {
          signal = context.signal;
          started();
          await new Promise((resolve) => {
            context.signal.addEventListener('abort', resolve);
          });
        },
      },
    }).handle(stream);
    stream.push('WAIT\nNOP\n');
    await running;
    stream.push(null);
    await done;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ reason: 'connection-closed' });
  });

  it('closes at once for a client that ends without sending anything', async () => {
    const { client, done } = await connect({ commands: {} });
    client.end();
    expect(await client.rest()).toEqual([]);
    await done;
  });
});

describe('configuration', () => {
  it('refuses invalid command tables and limits', () => {
    expect(() => createAssuanServer({ commands: { 'TWO WORDS': () => undefined } })).toThrow(
      TypeError,
    );
    expect(() => createAssuanServer({ commands: { bye: () => undefined } })).toThrow(/built into/);
    expect(() =>
      createAssuanServer({ commands: { foo: () => undefined, FOO: () => undefined } }),
    ).toThrow(/twice/);
    expect(() =>
      createAssuanServer({ commands: { X: { handler: () => undefined, help: 'a\rb' } } }),
    ).toThrow(TypeError);
    expect(() => createAssuanServer({ commands: {}, maxLineLength: 2000 })).toThrow(RangeError);
    expect(() => createAssuanServer({ commands: {}, maxInquireBytes: 0 })).toThrow(RangeError);
    expect(() =>
      createAssuanServer({
        commands: {},
        optionValueEscaping: 'url' as unknown as OptionValueEscaping,
      }),
    ).toThrow(RangeError);
  });
});
