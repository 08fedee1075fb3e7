import { describe, expect, it } from 'vitest';
import { bytes, latin1 } from '../../test/codec/three-ways.js';
import { AssuanProtocolError } from '../errors.js';
import type { AssuanProtocolErrorReason } from '../errors.js';
import { encodeCancel, encodeCommand, encodeData, encodeEnd } from './encode.js';
import { unescapeArgument } from './escape.js';
import { ClientMessageParser } from './parser.js';

const text = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

function reasonOf(fn: () => unknown): AssuanProtocolErrorReason | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AssuanProtocolError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('encodeCommand', () => {
  it('encodes a name with optional arguments', () => {
    expect(text(encodeCommand('NOP'))).toBe('NOP\n');
    expect(text(encodeCommand('NOP', ''))).toBe('NOP\n');
    expect(text(encodeCommand('GETINFO', 'version'))).toBe('GETINFO version\n');
    expect(text(encodeCommand('SETHASH', ['--hash=sha256', 'abcd']))).toBe(
      'SETHASH --hash=sha256 abcd\n',
    );
    expect(text(encodeCommand('get_info-2', []))).toBe('get_info-2\n');
    expect(encodeCommand('SETDESC', 'Grüße')).toEqual(bytes('SETDESC Grüße\n'));
  });

  it.each(['', '1ABC', 'A B', 'FOO\n', '#', '# x', '-X', 'NAME:', 'É'])(
    'refuses the command name %j',
    (name) => {
      expect(reasonOf(() => encodeCommand(name))).toBe('invalid-argument');
    },
  );

  it.each(['D', 'd', 'END', 'end', 'CAN', 'Can', 'OK', 'ERR', 'S', 's', 'INQUIRE', 'inquire'])(
    'refuses the protocol keyword %j as a command name',
    (name) => {
      expect(reasonOf(() => encodeCommand(name, 'x'))).toBe('invalid-argument');
    },
  );

  it.each([
    ['a LF', 'a\nBYE'],
    ['CR LF', '\r\nBYE'],
    ['a lone CR', 'a\rb'],
    ['NUL', 'a\x00b'],
    ['TAB', 'a\tb'],
    ['ESC', '\x1b[31m'],
    ['DEL', 'a\x7f'],
    ['a lone surrogate', 'a\uD800'],
  ])('refuses an argument with %s (nothing is encoded)', (_, args) => {
    expect(reasonOf(() => encodeCommand('SETDESC', args))).toBe('invalid-argument');
    expect(reasonOf(() => encodeCommand('SETDESC', ['ok', args]))).toBe('invalid-argument');
  });

  it('sends %0A as three literal bytes: one command whose decoded argument holds a LF', () => {
    const line = encodeCommand('SETDESC', 'a%0ABYE');
    expect(text(line)).toBe('SETDESC a%0ABYE\n');
    const messages = new ClientMessageParser().push(line);
    expect(messages).toEqual([{ type: 'command', name: 'SETDESC', args: 'a%0ABYE' }]);
    expect(unescapeArgument('a%0ABYE')).toBe('a\nBYE');
  });

  it('accepts exactly 1000 bytes and refuses 1001, counting UTF-8 bytes, never truncating', () => {
    expect(encodeCommand('SETDESC', 'x'.repeat(992))).toHaveLength(1001);
    expect(reasonOf(() => encodeCommand('SETDESC', 'x'.repeat(993)))).toBe('line-too-long');
    // 'ä' is two bytes: 8 + 2 * 496 = 1000.
    expect(encodeCommand('SETDESC', 'ä'.repeat(496))).toHaveLength(1001);
    expect(reasonOf(() => encodeCommand('SETDESC', `${'ä'.repeat(496)}x`))).toBe('line-too-long');
  });

  it('says what to do in its error messages without echoing the argument', () => {
    expect(() => encodeCommand('SETDESC', 'secret\nBYE')).toThrow(
      /control character 0x0A at index 6.*escapeArgument/,
    );
    expect(() => encodeCommand('SETDESC', 'secret\nBYE')).not.toThrow(/secret/);
    expect(() => encodeCommand('SETDESC', 'x'.repeat(2000))).toThrow(/2008 bytes.*at most 1000/);
  });
});

describe('encodeData', () => {
  it('gives nothing for empty data', () => {
    expect(encodeData(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it('escapes %, CR, LF and nothing else', () => {
    expect(text(encodeData(latin1('a%b\r\n+ \x00\xff')))).toBe('D a%25b%0D%0A+ \x00\xff\n');
  });

  it('fills lines to exactly 1000 bytes', () => {
    const lines = text(encodeData(new Uint8Array(2500).fill(0x61))).split('\n');
    expect(lines.map((line) => line.length)).toEqual([1000, 1000, 506, 0]);
    expect(lines.every((line) => line === '' || line.startsWith('D '))).toBe(true);
  });

  it('never splits an escape sequence across lines', () => {
    // 997 payload bytes + '%' (3 escaped bytes) do not fit 998: the escape moves to the next line.
    const data = new Uint8Array(998).fill(0x61);
    data[997] = 0x25;
    expect(text(encodeData(data)).split('\n')).toEqual([`D ${'a'.repeat(997)}`, 'D %25', '']);
    // 996 + 2 escaped LF-s: the second escape would end at byte 1002.
    const lf = new Uint8Array(1000).fill(0x0a);
    const lines = text(encodeData(lf)).split('\n');
    expect(lines.slice(0, -1).every((line) => /^D (%0A)+$/.test(line))).toBe(true);
    expect(lines[0]).toHaveLength(2 + 3 * 332);
  });

  it('handles all-escape data at the worst-case size', () => {
    const data = new Uint8Array(10_000).fill(0x25);
    const encoded = encodeData(data);
    const messages = new ClientMessageParser().push(encoded);
    const total = messages.reduce((n, m) => n + (m.type === 'data' ? m.data.length : 0), 0);
    expect(total).toBe(10_000);
  });
});

describe('encodeEnd / encodeCancel', () => {
  it('encode END and CAN as fresh arrays', () => {
    expect(text(encodeEnd())).toBe('END\n');
    expect(text(encodeCancel())).toBe('CAN\n');
    encodeEnd().fill(0);
    encodeCancel().fill(0);
    expect(text(encodeEnd())).toBe('END\n');
    expect(text(encodeCancel())).toBe('CAN\n');
  });
});
