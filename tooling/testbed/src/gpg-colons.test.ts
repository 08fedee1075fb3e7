import { describe, expect, it } from 'vitest';
import { parseColonKeyListing, unescapeColonField } from './gpg-colons.js';

// Recorded from GnuPG 2.2.40: `gpg --with-colons --with-keygrip --list-secret-keys` in a
// testbed home (regenerate with `createGpgHome()` and that command).
const LISTING = [
  'sec:u:255:22:975B339E3475CEB7:1795438522:::u:::scESC:::+::ed25519:::0:',
  'fpr:::::::::CB5A7D430BC3D0324E0971BC975B339E3475CEB7:',
  'grp:::::::::189D132CE742FDBD114F2B3F2614EF61345D21EC:',
  'uid:u::::1795438522::D6C417FA2B516916A9F3C08A312588FE9658B1DB::protected <p@x>::::::::::0:',
  'ssb:u:255:18:40398249B468A27F:1795438524::::::e:::+::cv25519::',
  'fpr:::::::::4886111DA03ED46477C3744C40398249B468A27F:',
  'grp:::::::::C0681C5C2575B4B3C77407B7AD852AC8FA7E9D9D:',
  'sec:u:3072:1:34DEA223E3083204:1795438473:1800000000::u:::scSC:::+:::23::0:',
  'fpr:::::::::F4A4D0FD78E0AFD1E0ED190434DEA223E3083204:',
  'grp:::::::::57F042637995E68E6420F8788AA27D296B100213:',
  'uid:u::::1795438473::5983E3489F433C3F679AF2CE9342A18EBFBB5E0E::a\\x3ab <x@y>::::::::::0:',
  '',
].join('\n');

describe('parseColonKeyListing', () => {
  it('reads keys, subkeys, fingerprints, keygrips and user IDs by field index', () => {
    const [ed, rsa, ...rest] = parseColonKeyListing(LISTING);
    expect(rest).toEqual([]);
    expect(ed).toMatchObject({
      record: 'sec',
      validity: 'u',
      length: 255,
      algorithm: 22,
      keyId: '975B339E3475CEB7',
      created: 1795438522,
      expires: undefined,
      capabilities: 'scESC',
      token: '+',
      curve: 'ed25519',
      fingerprint: 'CB5A7D430BC3D0324E0971BC975B339E3475CEB7',
      keygrip: '189D132CE742FDBD114F2B3F2614EF61345D21EC',
      userIds: ['protected <p@x>'],
    });
    expect(ed?.subkeys).toEqual([
      {
        record: 'ssb',
        validity: 'u',
        length: 255,
        algorithm: 18,
        keyId: '40398249B468A27F',
        created: 1795438524,
        expires: undefined,
        capabilities: 'e',
        token: '+',
        curve: 'cv25519',
        fingerprint: '4886111DA03ED46477C3744C40398249B468A27F',
        keygrip: 'C0681C5C2575B4B3C77407B7AD852AC8FA7E9D9D',
      },
    ]);
    expect(rsa).toMatchObject({
      algorithm: 1,
      length: 3072,
      curve: undefined,
      expires: 1800000000,
    });
    expect(rsa?.userIds).toEqual(['a:b <x@y>']);
    expect(rsa?.subkeys).toEqual([]);
  });

  it('accepts CRLF line ends and skips record types it does not need', () => {
    const text = `tru::1:1795438473:0:3:1:5\r\n${LISTING.replaceAll('\n', '\r\n')}`;
    expect(parseColonKeyListing(text).map((key) => key.keyId)).toEqual([
      '975B339E3475CEB7',
      '34DEA223E3083204',
    ]);
  });

  it('rejects records out of place or malformed', () => {
    const lines = LISTING.split('\n');
    expect(() => parseColonKeyListing(lines.slice(4).join('\n'))).toThrow(
      /ssb record before any primary/,
    );
    expect(() => parseColonKeyListing(lines.slice(1).join('\n'))).toThrow(
      /fpr record before any key/,
    );
    expect(() => parseColonKeyListing([lines[0], lines[2]].join('\n'))).toThrow(
      /has no fpr record/,
    );
    expect(() => parseColonKeyListing([lines[0], lines[1], lines[1]].join('\n'))).toThrow(
      /second fpr record/,
    );
    expect(() => parseColonKeyListing(lines[0]?.replace(':255:', ':x:') ?? '')).toThrow(
      /field 3 is "x"/,
    );
    expect(() => parseColonKeyListing([lines[0], lines[5]].join('\n'))).toThrow(
      /does not match fingerprint/,
    );
  });
});

describe('unescapeColonField', () => {
  it('undoes \\xHH and backslash escapes and decodes UTF-8', () => {
    expect(unescapeColonField('a\\x3ab\\\\c')).toBe('a:b\\c');
    expect(unescapeColonField('J\\xc3\\xbcrgen')).toBe('Jürgen');
    expect(unescapeColonField('plain')).toBe('plain');
  });

  it('rejects malformed escapes', () => {
    expect(() => unescapeColonField('a\\x3')).toThrow(/bad \\x escape/);
    expect(() => unescapeColonField('a\\q')).toThrow(/bad escape/);
  });
});
