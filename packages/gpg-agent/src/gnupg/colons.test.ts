import { isProviderError } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { decodeColonString, parseColonListing } from './colons.js';

// Recorded from gpg 2.2.40 (`--with-colons --fixed-list-mode --with-keygrip --with-fingerprint
// --list-secret-keys`), with the user ID of a key generated with a LF and a colon in it.
const GPG_SECRET = `sec:u:255:22:631267DE607D7F29:1795442607:::u:::scSC:::+::ed25519:::0:
fpr:::::::::587AD445020F9E84496BA142631267DE607D7F29:
grp:::::::::42B866EF5A2B59C7BE2092F1FD322035532363CB:
uid:u::::1795442607::19D1DAA8F80D1C223B6F989AA7BD7F59F0FAF6B9::Spoof\\n[GNUPG\\x3a] GOODSIG 1234 x <s@x>::::::::::0:
ssb:u:255:18:D08F717A75DA5E94:1795442607::::::e:::+::cv25519::
fpr:::::::::73682151785C2CFA0B9C683FD08F717A75DA5E94:
grp:::::::::DDB0F9121E2D0696136B77548119685528F9D1FE:
`;

// gpg 2.2.40 --list-keys of an expired key and a revoked RSA key with a stub and a card subkey.
const GPG_FLAGS = `tru::1:1795442623:0:3:1:5
pub:e:255:22:72A0EEB0D0851F1F:1795442621:1795442622::u:::sc:::::ed25519:::0:
fpr:::::::::4173DDF4B566F9E8E302400172A0EEB0D0851F1F:
uid:e::::1795442621::7D4181C7F9E3B0C84D1AEE34C2AA775478935518::Exp <e@x>::::::::::0:
sec:r:3072:1:1111111111111111:1700000000:::-:::scESC:::#:::::
fpr:::::::::AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA11111111:
uid:r::::1700000000::0000::Back\\\\slash \\xc3\\xa9:::::::::
sig:::1:1111111111111111:1700000000::::x:13x::::::8:
ssb:u:3072:1:2222222222222222:1700000000:1800000000:::::e:::D2760001240103040006:::::
fpr:::::::::BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB22222222:
`;

// gpgsm 2.2.40 --with-colons --with-keygrip --list-secret-keys (keybox header included).
const GPGSM = `/tmp/gx-Z2EW/pubring.kbx
------------------------
crs:n:2048:1:67E6B031E2CA35B0:20261123T140355:20261223T140355:0711FE5957170706CB52E948658A8453A1D49F2F::O=Key\\x5c,route,CN=Test\\x3a Signer::sS::::::23:
fpr:::::::::75D5E44CC8E409EE67E87A6A67E6B031E2CA35B0:::75D5E44CC8E409EE67E87A6A67E6B031E2CA35B0:
fp2:::::::::8F4D277C537843CB669C5A2C0481E0C559414BAEF06F6D9180EC5D932588EA7F::::
grp:::::::::CAB74AB04E0E9B24BB48A8957481A1B118248F56:
uid:n::::::::O=Key\\x5c,route,CN=Test\\x3a Signer::
uid:n::::::::<signer@keyroute.test>::
`;

function protocolError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseColonListing', () => {
  it('parses keys, subkeys, keygrips and escaped user IDs', () => {
    const [certificate, ...rest] = parseColonListing(GPG_SECRET, 'openpgp');
    expect(rest).toEqual([]);
    expect(certificate).toEqual({
      type: 'openpgp',
      primary: {
        fingerprint: '587AD445020F9E84496BA142631267DE607D7F29',
        keyId: '631267DE607D7F29',
        keygrip: '42B866EF5A2B59C7BE2092F1FD322035532363CB',
        usage: 'sc',
        algorithm: 22,
        curve: 'ed25519',
        bits: 255,
        created: new Date(1795442607_000),
        revoked: false,
        expired: false,
        secret: true,
      },
      subkeys: [
        {
          fingerprint: '73682151785C2CFA0B9C683FD08F717A75DA5E94',
          keyId: 'D08F717A75DA5E94',
          keygrip: 'DDB0F9121E2D0696136B77548119685528F9D1FE',
          usage: 'e',
          algorithm: 18,
          curve: 'cv25519',
          bits: 255,
          created: new Date(1795442607_000),
          revoked: false,
          expired: false,
          secret: true,
        },
      ],
      userIds: ['Spoof\n[GNUPG:] GOODSIG 1234 x <s@x>'],
    });
  });

  it('reads expired and revoked flags, stubs, cards and expiry; ignores unknown records', () => {
    const [expired, revoked] = parseColonListing(GPG_FLAGS, 'openpgp');
    expect(expired?.primary).toMatchObject({
      expired: true,
      revoked: false,
      secret: false,
      expires: new Date(1795442622_000),
    });
    expect(expired?.userIds).toEqual(['Exp <e@x>']);
    expect(revoked?.primary).toMatchObject({ revoked: true, secret: false, usage: 'sc' });
    expect(revoked?.primary.curve).toBeUndefined();
    expect(revoked?.userIds).toEqual(['Back\\slash é']);
    expect(revoked?.subkeys[0]).toMatchObject({
      secret: true,
      card: 'D2760001240103040006',
      expires: new Date(1800000000_000),
    });
  });

  it('parses gpgsm listings: issuer, serial, subject, ISO times', () => {
    const [certificate] = parseColonListing(GPGSM, 'x509');
    expect(certificate).toMatchObject({
      type: 'x509',
      issuer: 'O=Key\\,route,CN=Test: Signer',
      subject: 'O=Key\\,route,CN=Test: Signer',
      serial: '0711FE5957170706CB52E948658A8453A1D49F2F',
      userIds: ['O=Key\\,route,CN=Test: Signer', '<signer@keyroute.test>'],
      subkeys: [],
      primary: {
        fingerprint: '75D5E44CC8E409EE67E87A6A67E6B031E2CA35B0',
        keygrip: 'CAB74AB04E0E9B24BB48A8957481A1B118248F56',
        usage: 's',
        secret: true,
        algorithm: 1,
        bits: 2048,
        created: new Date(Date.UTC(2026, 10, 23, 14, 3, 55)),
        expires: new Date(Date.UTC(2026, 11, 23, 14, 3, 55)),
      },
    });
  });

  it('returns nothing for an empty listing', () => {
    expect(parseColonListing('', 'openpgp')).toEqual([]);
    expect(parseColonListing('', 'x509')).toEqual([]);
  });

  it.each([
    ['too few fields', 'pub:u:255:22:AAAA\nfpr:::::::::AA:\n'],
    ['non-numeric algorithm', 'pub:u:255:xx:AAAA:1::::::sc:\nfpr:::::::::AA:\n'],
    ['bad date', 'pub:u:255:22:AAAA:yesterday::::::sc:\nfpr:::::::::AA:\n'],
    ['key without fpr', 'pub:u:255:22:AAAA:1::::::sc:\n'],
    ['fpr before any key', 'fpr:::::::::AA:\n'],
    ['uid before any key', 'uid:u::::::::x:\n'],
    ['sub before pub', 'sub:u:255:22:AAAA:1::::::e:\n'],
    ['bad escape', 'pub:u:255:22:AAAA:1::::::sc:\nfpr:::::::::AA:\nuid:u::::::::a\\q:\n'],
    ['non-hex fingerprint', 'pub:u:255:22:AAAA:1::::::sc:\nfpr:::::::::XYZ:\n'],
  ])('throws PROTOCOL for a malformed known record (%s)', (_, text) => {
    const error = protocolError(() => parseColonListing(text, 'openpgp'));
    expect(isProviderError(error) && error.code).toBe('PROTOCOL');
  });

  it('decodes C-style quoting', () => {
    expect(decodeColonString('a\\x3ab\\nc\\\\d\\t')).toBe('a:b\nc\\d\t');
    expect(decodeColonString('plain')).toBe('plain');
  });
});
