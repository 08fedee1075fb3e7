import { describe, expect, it } from 'vitest';
import {
  bytes,
  expectFailureThreeWays,
  latin1,
  parseThreeWays,
} from '../../test/codec/three-ways.js';
import type { MessageParser } from '../../test/codec/three-ways.js';
import { AssuanProtocolError } from '../errors.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { ClientMessageParser, ServerMessageParser } from './parser.js';
import type { ParserOptions } from './parser.js';

const server =
  (options?: ParserOptions): (() => MessageParser<ServerMessage>) =>
  () =>
    new ServerMessageParser(options);
const client =
  (options?: ParserOptions): (() => MessageParser<ClientMessage>) =>
  () =>
    new ClientMessageParser(options);

describe('ServerMessageParser', () => {
  it('parses every kind of server line', () => {
    const input = bytes(
      [
        'OK Pleased to meet you, process 4708',
        'S KEYINFO ABC D - - - C - - -',
        'S  PROGRESS   primegen X 100 100',
        'D (3:abc)%25%0d%0A',
        'D ',
        'END',
        '# a comment',
        '#tight',
        '#',
        'INQUIRE PASSPHRASE',
        'INQUIRE CIPHERTEXT  with args ',
        'ERR 67108881 No secret key <GPG Agent>',
        'ERR 99',
        'OK',
        '',
      ].join('\n'),
    );
    expect(parseThreeWays(server(), input)).toEqual([
      { type: 'ok', text: 'Pleased to meet you, process 4708' },
      { type: 'status', keyword: 'KEYINFO', args: 'ABC D - - - C - - -' },
      { type: 'status', keyword: 'PROGRESS', args: 'primegen X 100 100' },
      { type: 'data', data: latin1('(3:abc)%\r\n') },
      { type: 'data', data: new Uint8Array(0) },
      { type: 'end' },
      { type: 'comment', text: 'a comment' },
      { type: 'comment', text: 'tight' },
      { type: 'comment', text: '' },
      { type: 'inquire', keyword: 'PASSPHRASE', args: '' },
      { type: 'inquire', keyword: 'CIPHERTEXT', args: 'with args ' },
      { type: 'err', code: 67108881, description: 'No secret key <GPG Agent>' },
      { type: 'err', code: 99, description: '' },
      { type: 'ok', text: '' },
    ]);
  });

  it('strips one CR before LF, ignores empty lines, and keeps other CRs', () => {
    expect(parseThreeWays(server(), bytes('OK a\r\n\n\r\nD x\ry\r\n'))).toEqual([
      { type: 'ok', text: 'a' },
      { type: 'data', data: bytes('x\ry') },
    ]);
    // After stripping one CR the line is "OK\r": not OK followed by a space.
    expectFailureThreeWays(server(), bytes('OK\r\r\n'), 'unknown-line');
  });

  it('keeps + in data lines and decodes lower-case hex', () => {
    expect(parseThreeWays(server(), bytes('D a+b%2b%7e%7E\n'))).toEqual([
      { type: 'data', data: bytes('a+b+~~') },
    ]);
  });

  it('decodes text as UTF-8 and replaces invalid sequences', () => {
    expect(parseThreeWays(server(), latin1('S PROGRESS \xc3\xa4 \xff\nOK \xe2\x82\xac\n'))).toEqual(
      [
        { type: 'status', keyword: 'PROGRESS', args: 'ä \uFFFD' },
        { type: 'ok', text: '€' },
      ],
    );
  });

  it('yields an INQUIRE in the middle of data in order (the connection decides)', () => {
    expect(
      parseThreeWays(server(), bytes('D part1\nS PROGRESS x\nINQUIRE MORE\nD part2\nOK\n')),
    ).toEqual([
      { type: 'data', data: bytes('part1') },
      { type: 'status', keyword: 'PROGRESS', args: 'x' },
      { type: 'inquire', keyword: 'MORE', args: '' },
      { type: 'data', data: bytes('part2') },
      { type: 'ok', text: '' },
    ]);
  });

  it.each([
    ['lower-case keyword', 'ok\n'],
    ['keyword prefix', 'OKAY\n'],
    ['D without its space', 'D\n'],
    ['D followed by a TAB', 'D\tabc\n'],
    ['ERR glued to text', 'ERRx 1\n'],
    ['unknown keyword', 'BYE\n'],
    ['a command from a confused peer', 'GETINFO version\n'],
    ['S without a keyword', 'S\n'],
    ['S with only blanks', 'S   \n'],
    ['INQUIRE without a keyword', 'INQUIRE\n'],
    ['INQUIRE with only blanks', 'INQUIRE  \n'],
    ['a leading blank', ' OK\n'],
    ['binary garbage', '\x00\xff\n'],
  ])('refuses %s as unknown-line', (_, line) => {
    expectFailureThreeWays(server(), latin1(`OK\n${line}`), 'unknown-line');
  });

  it.each([
    ['ERR alone', 'ERR\n'],
    ['ERR and a space', 'ERR \n'],
    ['ERR without a code', 'ERR No secret key\n'],
    ['a code glued to text', 'ERR 12x\n'],
    ['a negative code', 'ERR -1 x\n'],
    ['code 0 (libassuan would read success)', 'ERR 0 x\n'],
    ['a code over 32 bits', 'ERR 4294967296\n'],
    ['a code of 12 digits', 'ERR 000000000001\n'],
    ['a TAB after the code', 'ERR 1\tx\n'],
  ])('refuses %s as bad-err-line', (_, line) => {
    expectFailureThreeWays(server(), bytes(line), 'bad-err-line');
  });

  it('accepts the largest 32-bit code and blanks around it', () => {
    expect(parseThreeWays(server(), bytes('ERR   4294967295   text\n'))).toEqual([
      { type: 'err', code: 4294967295, description: 'text' },
    ]);
  });

  it.each([
    ['a non-hex digit', 'D %G1\n'],
    ['a trailing %', 'D abc%\n'],
    ['one digit at the end', 'D abc%4\n'],
    ['a space inside', 'D % 1\n'],
  ])('refuses %s in a D line as bad-escape', (_, line) => {
    expectFailureThreeWays(server(), bytes(line), 'bad-escape');
  });

  it('keeps parsing after a message in the same chunk and fails on the bad line', () => {
    const parser = new ServerMessageParser();
    expect(parser.push(bytes('OK\n'))).toEqual([{ type: 'ok', text: '' }]);
    expect(() => parser.push(bytes('D ok\nD %zz\n'))).toThrow(AssuanProtocolError);
    expect(parser.failed?.reason).toBe('bad-escape');
  });
});

type AnyParserFactory = (
  options?: ParserOptions,
) => () => MessageParser<ServerMessage | ClientMessage>;

describe.each<[string, AnyParserFactory]>([
  ['ServerMessageParser', server],
  ['ClientMessageParser', client],
])('line framing of %s', (_, make) => {
  const line = (length: number): string => `D ${'x'.repeat(length - 2)}`;

  it('accepts a line of exactly 1000 bytes, with LF or CR LF', () => {
    const messages = parseThreeWays(make(), bytes(`${line(1000)}\n${line(1000)}\r\n`));
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({ type: 'data', data: bytes('x'.repeat(998)) });
  });

  it('refuses a line of 1001 bytes, with LF or CR LF', () => {
    expectFailureThreeWays(make(), bytes(`${line(1001)}\n`), 'line-too-long');
    expectFailureThreeWays(make(), bytes(`${line(1001)}\r\n`), 'line-too-long');
  });

  it('fails as soon as a partial line is known to be too long, before any LF', () => {
    const parser = make()();
    expect(parser.push(bytes(line(1000)))).toEqual([]);
    // 1001 bytes could still be 1000 + CR.
    expect(parser.push(bytes('\r'))).toEqual([]);
    expect(() => parser.push(bytes('y'))).toThrow(/longer than 1000 bytes/);
    expect(parser.failed?.reason).toBe('line-too-long');

    const other = make()();
    expect(() => other.push(bytes(line(1001)))).toThrow(AssuanProtocolError);
    expect(other.failed?.reason).toBe('line-too-long');
  });

  it('fails on an endless line without buffering it', () => {
    const parser = make()();
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    expect(() => parser.push(chunk)).toThrow(AssuanProtocolError);
    expect(parser.failed?.reason).toBe('line-too-long');
  });

  it('honours maxLineLength', () => {
    expect(parseThreeWays(make({ maxLineLength: 10 }), bytes(`${line(10)}\n`))).toHaveLength(1);
    expectFailureThreeWays(make({ maxLineLength: 10 }), bytes(`${line(11)}\n`), 'line-too-long');
  });

  it('rejects invalid options', () => {
    expect(() => make({ maxLineLength: 0 })()).toThrow(RangeError);
    expect(() => make({ maxLineLength: 1.5 })()).toThrow(RangeError);
    expect(() => make({ maxDataBytes: -1 })()).toThrow(RangeError);
    expect(() => make({ maxDataBytes: Number.NaN })()).toThrow(RangeError);
  });

  it('throws incomplete-line from finish() when the last line has no LF', () => {
    expectFailureThreeWays(make(), bytes('D abc\nD de'), 'incomplete-line');
    expectFailureThreeWays(make(), bytes('\r'), 'incomplete-line');
    const parser = make()();
    parser.push(bytes('D abc\n'));
    expect(() => {
      parser.finish();
    }).not.toThrow();
  });

  it('stays dead after an error: the same error object every time', () => {
    const parser = make()();
    let first: unknown;
    try {
      parser.push(bytes('D %\n'));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(AssuanProtocolError);
    expect(parser.failed).toBe(first);
    for (let i = 0; i < 3; i++) expect(() => parser.push(bytes('D ok\n'))).toThrow(first);
  });

  it('returns data that does not alias the pushed chunk', () => {
    const parser = make()();
    const chunk = bytes('D hello\n');
    const [message] = parser.push(chunk);
    chunk.fill(0);
    expect(message).toEqual({ type: 'data', data: bytes('hello') });
  });

  it('parses 200 kB pushed one byte at a time', () => {
    const parser = make()();
    const input = bytes(`${line(1000)}\n`.repeat(200));
    let count = 0;
    for (let i = 0; i < input.length; i++) count += parser.push(input.subarray(i, i + 1)).length;
    expect(count).toBe(200);
  });
});

describe('ServerMessageParser data limit', () => {
  it('counts decoded bytes across D lines and resets on OK and ERR', () => {
    const input = bytes('D abc\nD %25%25\nOK\nD abcde\nERR 1 x\nD abcde\nOK\n');
    expect(parseThreeWays(server({ maxDataBytes: 5 }), input)).toHaveLength(7);
  });

  it('fails with data-limit when one response exceeds the cap', () => {
    expectFailureThreeWays(server({ maxDataBytes: 5 }), bytes('D abc\nD def\nOK\n'), 'data-limit');
  });

  it('does not reset on END, S or INQUIRE', () => {
    expectFailureThreeWays(
      server({ maxDataBytes: 5 }),
      bytes('D abc\nEND\nS X\nINQUIRE Y\nD def\n'),
      'data-limit',
    );
  });
});

describe('ClientMessageParser', () => {
  it('parses commands, data, END, CAN and comments', () => {
    const input = bytes(
      [
        'GETINFO version',
        'getinfo  version',
        'NOP',
        'SETHASH --hash=sha256\tabc',
        'CMD\t \targs here ',
        'D abc%0A',
        'D ',
        'END',
        'END trailing',
        'CAN',
        'CAN now',
        '# comment',
        '',
        'BYE',
        '',
      ].join('\n'),
    );
    expect(parseThreeWays(client(), input)).toEqual([
      { type: 'command', name: 'GETINFO', args: 'version' },
      { type: 'command', name: 'getinfo', args: 'version' },
      { type: 'command', name: 'NOP', args: '' },
      { type: 'command', name: 'SETHASH', args: '--hash=sha256\tabc' },
      { type: 'command', name: 'CMD', args: 'args here ' },
      { type: 'data', data: bytes('abc\n') },
      { type: 'data', data: new Uint8Array(0) },
      { type: 'end' },
      { type: 'end' },
      { type: 'cancel' },
      { type: 'cancel' },
      { type: 'comment', text: 'comment' },
      { type: 'command', name: 'BYE', args: '' },
    ]);
  });

  it('treats lower-case or glued markers as commands, for the server to refuse', () => {
    expect(parseThreeWays(client(), bytes('end\nCANCEL\nCANx\nD\nDx y\nENDING\n'))).toEqual([
      { type: 'command', name: 'end', args: '' },
      { type: 'command', name: 'CANCEL', args: '' },
      { type: 'command', name: 'CANx', args: '' },
      { type: 'command', name: 'D', args: '' },
      { type: 'command', name: 'Dx', args: 'y' },
      { type: 'command', name: 'ENDING', args: '' },
    ]);
  });

  it('gives a line with leading blanks an empty name and keeps control bytes', () => {
    expect(parseThreeWays(client(), latin1(' GETINFO x\nOPTION a\x00b\n'))).toEqual([
      { type: 'command', name: '', args: 'GETINFO x' },
      { type: 'command', name: 'OPTION', args: 'a\x00b' },
    ]);
  });

  it('keeps percent escapes in arguments (decoding is per command)', () => {
    expect(parseThreeWays(client(), bytes('SETKEYDESC a+b%0AC\n'))).toEqual([
      { type: 'command', name: 'SETKEYDESC', args: 'a+b%0AC' },
    ]);
  });

  it('counts inquiry data and resets on END, CAN and commands', () => {
    const input = bytes('D abc\nD de\nEND\nD abcde\nCAN\nD abcde\nNOP\nD abcde\nEND\n');
    expect(parseThreeWays(client({ maxDataBytes: 5 }), input)).toHaveLength(9);
    expectFailureThreeWays(client({ maxDataBytes: 5 }), bytes('D abc\nD def\nEND\n'), 'data-limit');
  });

  it('refuses bad escapes in D lines', () => {
    expectFailureThreeWays(client(), bytes('D %G1\n'), 'bad-escape');
  });
});
