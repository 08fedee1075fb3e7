import { describe, expect, it } from 'vitest';
import { GPG_ERROR_CODE, GPG_ERROR_SOURCE } from '../constants.js';
import { AssuanProtocolError, makeGpgError } from '../errors.js';
import {
  encodeComment,
  encodeErr,
  encodeInquire,
  encodeOk,
  encodeStatus,
} from './encode-server.js';
import { ServerMessageParser } from './parser.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const NO_SECKEY = makeGpgError(GPG_ERROR_SOURCE.GPG_AGENT, GPG_ERROR_CODE.NO_SECKEY);

describe('encodeOk', () => {
  it('encodes OK with and without text', () => {
    expect(text(encodeOk())).toBe('OK\n');
    expect(text(encodeOk(''))).toBe('OK\n');
    expect(text(encodeOk('Pleased to meet you, process 42'))).toBe(
      'OK Pleased to meet you, process 42\n',
    );
  });

  it('refuses control characters and over-long text', () => {
    expect(() => encodeOk('a\nERR 1')).toThrow(AssuanProtocolError);
    expect(() => encodeOk('x'.repeat(997))).not.toThrow();
    expect(() => encodeOk('x'.repeat(998))).toThrow(/at most 1000 bytes/);
  });
});

describe('encodeErr', () => {
  it('encodes the gpg-error value and description', () => {
    expect(NO_SECKEY).toBe(67108881);
    expect(text(encodeErr(NO_SECKEY, 'No secret key <GPG Agent>'))).toBe(
      'ERR 67108881 No secret key <GPG Agent>\n',
    );
    expect(text(encodeErr(GPG_ERROR_CODE.GENERAL))).toBe('ERR 1\n');
    expect(text(encodeErr(0xffffffff, ''))).toBe('ERR 4294967295\n');
  });

  it.each([0, -1, 1.5, 2 ** 32, Number.NaN, Infinity])('refuses the code %s', (code) => {
    expect(() => encodeErr(code, 'x')).toThrow(/1\.\.0xFFFFFFFF/);
  });

  it('escapes control characters instead of failing', () => {
    expect(text(encodeErr(1, 'a\r\nOK\x00\x7f%'))).toBe('ERR 1 a%0D%0AOK%00%7F%\n');
    expect(text(encodeErr(1, 'lone \uD800 surrogate'))).toBe('ERR 1 lone \uFFFD surrogate\n');
  });

  it('cuts an over-long description at a UTF-8 boundary to exactly fit', () => {
    const line = encodeErr(NO_SECKEY, 'ä'.repeat(1000));
    // "ERR 67108881 " is 13 bytes: 987 left, 493 two-byte characters.
    expect(line).toHaveLength(13 + 986 + 1);
    expect(text(line)).toBe(`ERR 67108881 ${'ä'.repeat(493)}\n`);
    const emoji = text(encodeErr(1, '🔑'.repeat(400)));
    expect(emoji).toBe(`ERR 1 ${'🔑'.repeat(248)}\n`);
  });

  it('never cuts inside an escape', () => {
    const line = text(encodeErr(1, '\n'.repeat(400)));
    expect(line).toMatch(/^ERR 1 (%0A)+\n$/);
    expect(line.length).toBe(6 + 3 * 331 + 1);
  });
});

describe('encodeStatus / encodeInquire / encodeComment', () => {
  it('encode keyword lines', () => {
    expect(text(encodeStatus('KEYINFO', 'ABC D - -'))).toBe('S KEYINFO ABC D - -\n');
    expect(text(encodeStatus('_PRIVATE'))).toBe('S _PRIVATE\n');
    expect(text(encodeInquire('PASSPHRASE'))).toBe('INQUIRE PASSPHRASE\n');
    expect(text(encodeInquire('CIPHERTEXT', 'x y'))).toBe('INQUIRE CIPHERTEXT x y\n');
    expect(text(encodeComment(''))).toBe('#\n');
    expect(text(encodeComment('NOP'))).toBe('# NOP\n');
  });

  it.each(['', '1ABC', 'A B', 'X\n', 'Ä'])('refuses the keyword %j', (keyword) => {
    expect(() => encodeStatus(keyword)).toThrow(AssuanProtocolError);
    expect(() => encodeInquire(keyword)).toThrow(AssuanProtocolError);
  });

  it('refuses control characters in arguments and comments', () => {
    expect(() => encodeStatus('X', 'a\nOK')).toThrow(/control character 0x0A/);
    expect(() => encodeInquire('X', 'a\rb')).toThrow(AssuanProtocolError);
    expect(() => encodeComment('a\nOK')).toThrow(AssuanProtocolError);
  });

  it('refuses lines over 1000 bytes', () => {
    expect(() => encodeStatus('X', 'x'.repeat(996))).not.toThrow();
    expect(() => encodeStatus('X', 'x'.repeat(997))).toThrow(/at most 1000 bytes/);
    expect(() => encodeComment('x'.repeat(999))).toThrow(/at most 1000 bytes/);
  });
});

describe('round trip through ServerMessageParser', () => {
  it('reads back what the server encoders write', () => {
    const parser = new ServerMessageParser();
    const lines = [
      encodeOk('greeting'),
      encodeStatus('PROGRESS', 'primegen X 100 100'),
      encodeInquire('PASSPHRASE'),
      encodeComment('debug'),
      encodeErr(NO_SECKEY, 'No secret key\n<GPG Agent>'),
    ];
    expect(lines.flatMap((line) => parser.push(line))).toEqual([
      { type: 'ok', text: 'greeting' },
      { type: 'status', keyword: 'PROGRESS', args: 'primegen X 100 100' },
      { type: 'inquire', keyword: 'PASSPHRASE', args: '' },
      { type: 'comment', text: 'debug' },
      { type: 'err', code: NO_SECKEY, description: 'No secret key%0A<GPG Agent>' },
    ]);
  });
});
