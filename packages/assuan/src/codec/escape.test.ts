import { describe, expect, it } from 'vitest';
import { bytes, latin1 } from '../../test/codec/three-ways.js';
import { AssuanProtocolError } from '../errors.js';
import { escapeArgument, escapeData, unescape, unescapeArgument } from './escape.js';

const text = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

describe('escapeData', () => {
  it('escapes exactly %, CR and LF with upper-case hex, like assuan_send_data', () => {
    expect(text(escapeData(latin1('a%b\rc\nd+e \x00\xff\t')))).toBe('a%25b%0Dc%0Ad+e \x00\xff\t');
  });

  it('returns a fresh copy when nothing needs escaping', () => {
    const input = bytes('plain');
    const output = escapeData(input);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
  });

  it('handles empty input', () => {
    expect(escapeData(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });
});

describe('unescape', () => {
  it('decodes %XX in either case and leaves + alone', () => {
    expect(unescape(bytes('a%25b%0d%0A%ff%FF+c'))).toEqual(latin1('a%b\r\n\xff\xff+c'));
  });

  it('returns a fresh copy without escapes', () => {
    const input = bytes('abc');
    const output = unescape(input);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
  });

  it.each(['%', 'a%', 'a%4', '%G1', '%1G', '%%41', '% 1', '%-1'])(
    'refuses %j as bad-escape',
    (input) => {
      let error: unknown;
      try {
        unescape(bytes(input));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AssuanProtocolError);
      expect((error as AssuanProtocolError).reason).toBe('bad-escape');
    },
  );
});

describe('escapeArgument', () => {
  it.each([
    // GnuPG's own percent_plus_escape test vectors (common/t-percent.c) that we share.
    ['', ''],
    ['a', 'a'],
    [' ', '+'],
    ['%', '%25'],
    ['%% ', '%25%25+'],
    ['\n ABC\t', '%0A+ABC%09'],
    ['%22', '%2522'],
    // Our own rules.
    ['a+b', 'a%2Bb'],
    ['\r\n\x00\x1f\x7f', '%0D%0A%00%1F%7F'],
    ['back\\slash\\', 'back\\slash%5C'],
    ['"quoted"', '"quoted"'],
    ['Grüße, 世界 🔑', 'Grüße,+世界+🔑'],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeArgument(input)).toBe(expected);
  });

  it('refuses a lone surrogate', () => {
    expect(() => escapeArgument('a\uD800b')).toThrow(/lone UTF-16 surrogate/);
    expect(() => escapeArgument('a\uDC00')).toThrow(AssuanProtocolError);
  });
});

describe('unescapeArgument', () => {
  it('reverses escapeArgument', () => {
    const value = 'Please enter the passphrase for\n"key" (100% sure) + more\\';
    expect(unescapeArgument(escapeArgument(value))).toBe(value);
  });

  it('decodes multi-byte UTF-8 escapes', () => {
    expect(unescapeArgument('Gr%C3%BC%c3%9Fe')).toBe('Grüße');
  });

  it('can leave + alone (percent-only decoding, as pinentry does for SETDESC)', () => {
    expect(unescapeArgument('a+b%2B', { plus: false })).toBe('a+b+');
    expect(unescapeArgument('a+b%2B')).toBe('a b+');
  });

  it('refuses malformed escapes', () => {
    expect(() => unescapeArgument('abc%')).toThrow(AssuanProtocolError);
    expect(() => unescapeArgument('%zz')).toThrow(/malformed percent escape/);
  });
});
