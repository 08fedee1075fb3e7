import { isProviderError } from '@keyroute/core';
import type { ProviderError } from '@keyroute/core';
import { describe, expect, it } from 'vitest';

import { formatPkcs11Uri } from './format.js';
import { parsePkcs11Uri } from './parse.js';
import type { ParsePkcs11UriOptions } from './parse.js';
import type { Pkcs11Uri } from './types.js';

const none = { vendorPath: [], vendorQuery: [] } as const;

/** The example URIs of RFC 7512 §3.3 (folded lines joined) and what they mean. */
const RFC_7512_EXAMPLES: readonly (readonly [string, Pkcs11Uri])[] = [
  ['pkcs11:', { ...none }],
  ['pkcs11:object=my-pubkey;type=public', { ...none, object: 'my-pubkey', type: 'public' }],
  [
    'pkcs11:object=my-key;type=private?pin-source=file:/etc/token',
    { ...none, object: 'my-key', type: 'private', pinSource: 'file:/etc/token' },
  ],
  [
    'pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;' +
      'model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=' +
      '?pin-source=file:/etc/token_pin',
    {
      ...none,
      token: 'The Software PKCS#11 Softtoken',
      manufacturer: 'Snake Oil, Inc.',
      model: '1.0',
      object: 'my-certificate',
      type: 'cert',
      id: Uint8Array.of(0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91),
      serial: '',
      pinSource: 'file:/etc/token_pin',
    },
  ],
  [
    'pkcs11:object=my-sign-key;type=private?module-name=mypkcs11',
    { ...none, object: 'my-sign-key', type: 'private', moduleName: 'mypkcs11' },
  ],
  [
    'pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1',
    { ...none, object: 'my-sign-key', type: 'private', modulePath: '/mnt/libmypkcs11.so.1' },
  ],
  [
    'pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.' +
      '?pin-value=the-pin',
    {
      ...none,
      token: 'Software PKCS#11 softtoken',
      manufacturer: 'Snake Oil, Inc.',
      pinValue: 'the-pin',
    },
  ],
  ['pkcs11:slot-description=Sun%20Metaslot', { ...none, slotDescription: 'Sun Metaslot' }],
  [
    'pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;' +
      'library-version=1.23',
    {
      ...none,
      libraryManufacturer: 'Snake Oil, Inc.',
      libraryDescription: 'Soft Token Library',
      libraryVersion: { major: 1, minor: 23 },
    },
  ],
  [
    'pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;' +
      'id=%01%02%03%Ba%dd%Ca%fe%04%05%06',
    {
      ...none,
      token: 'My token% created by Joe',
      libraryVersion: { major: 3, minor: 0 },
      id: Uint8Array.of(1, 2, 3, 0xba, 0xdd, 0xca, 0xfe, 4, 5, 6),
    },
  ],
  [
    'pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert',
    { ...none, token: 'A name with a substring %;', object: 'my-certificate', type: 'cert' },
  ],
  [
    'pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;' +
      'type=cert',
    {
      ...none,
      token: 'Name with a small A with acute: á',
      object: 'my-certificate',
      type: 'cert',
    },
  ],
];

/** The last RFC 7512 §3.3 example: vendor attributes without the `x-` prefix. */
const RFC_7512_VENDOR_EXAMPLE =
  'pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a' +
  '?pin-source=file:/etc/token_pin&vendor-bbb=value-b';

function parseError(text: string, options?: ParsePkcs11UriOptions): ProviderError {
  try {
    parsePkcs11Uri(text, options);
  } catch (error) {
    if (isProviderError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

function expectRejected(text: string, ...fragments: string[]): ProviderError {
  const error = parseError(text);
  expect(error.code).toBe('INVALID_INPUT');
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

describe('parsePkcs11Uri: RFC 7512 §3.3 examples', () => {
  it.each(RFC_7512_EXAMPLES)('parses %s', (text, expected) => {
    expect(parsePkcs11Uri(text)).toEqual(expected);
  });

  it.each(RFC_7512_EXAMPLES)('round-trips %s through the formatter', (text, expected) => {
    const formatted = formatPkcs11Uri(parsePkcs11Uri(text), { redactPin: false });
    expect(parsePkcs11Uri(formatted)).toEqual(expected);
    expect(formatPkcs11Uri(parsePkcs11Uri(formatted), { redactPin: false })).toBe(formatted);
  });

  it('parses the vendor-attribute example when unprefixed vendor names are accepted', () => {
    const options = { acceptUnprefixedVendorAttributes: true };
    const expected: Pkcs11Uri = {
      token: 'my-token',
      object: 'my-certificate',
      type: 'cert',
      pinSource: 'file:/etc/token_pin',
      vendorPath: [{ name: 'vendor-aaa', value: 'value-a' }],
      vendorQuery: [{ name: 'vendor-bbb', value: 'value-b' }],
    };
    expect(parsePkcs11Uri(RFC_7512_VENDOR_EXAMPLE, options)).toEqual(expected);
    expect(parsePkcs11Uri(formatPkcs11Uri(expected), options)).toEqual(expected);
  });

  it('refuses the vendor-attribute example by default, naming the attribute', () => {
    expectRejected(RFC_7512_VENDOR_EXAMPLE, '"vendor-aaa"', 'offset 54', '"x-"');
  });

  it('writes the examples canonically', () => {
    expect(formatPkcs11Uri(parsePkcs11Uri(RFC_7512_EXAMPLES[3]?.[0] ?? ''))).toBe(
      'pkcs11:manufacturer=Snake%20Oil,%20Inc.;model=1.0;serial=;' +
        'token=The%20Software%20PKCS%2311%20Softtoken;object=my-certificate;type=cert;' +
        'id=%69%95%3E%5C%F4%BD%EC%91?pin-source=file:/etc/token_pin',
    );
    expect(formatPkcs11Uri(parsePkcs11Uri(RFC_7512_EXAMPLES[9]?.[0] ?? ''))).toBe(
      'pkcs11:library-version=3.0;token=My%20token%25%20created%20by%20Joe;' +
        'id=%01%02%03%BA%DD%CA%FE%04%05%06',
    );
  });
});

describe('parsePkcs11Uri: syntax', () => {
  it('reads the scheme in any case', () => {
    expect(parsePkcs11Uri('PKCS11:token=a')).toEqual({ ...none, token: 'a' });
    expect(parsePkcs11Uri('Pkcs11:')).toEqual(none);
  });

  it('takes an empty value as the empty string and an empty query as no query', () => {
    expect(parsePkcs11Uri('pkcs11:token=;object=?pin-source=')).toEqual({
      ...none,
      token: '',
      object: '',
      pinSource: '',
    });
    expect(parsePkcs11Uri('pkcs11:?')).toEqual(none);
    expect(parsePkcs11Uri('pkcs11:id=')).toEqual({ ...none, id: new Uint8Array() });
  });

  it('accepts the characters RFC 7512 leaves unencoded in each component', () => {
    expect(parsePkcs11Uri("pkcs11:token=:[]@!$'()*+,=&?x-attr=:[]@!$'()*+,=/?|")).toEqual({
      ...none,
      token: ":[]@!$'()*+,=&",
      vendorQuery: [{ name: 'x-attr', value: ":[]@!$'()*+,=/?|" }],
    });
  });

  it('decodes percent-encoded delimiters, spaces and UTF-8', () => {
    expect(
      parsePkcs11Uri('pkcs11:object=a%2Fb%3Bc%3Fd%26e%23f%20g;token=M%C3%BCller%27s%20key'),
    ).toEqual({ ...none, object: 'a/b;c?d&e#f g', token: "Müller's key" });
  });

  it('keeps a leading byte-order mark in text', () => {
    expect(parsePkcs11Uri('pkcs11:token=%EF%BB%BFx')).toEqual({ ...none, token: '\uFEFFx' });
  });

  it('takes id bytes literally when they are not encoded', () => {
    expect(parsePkcs11Uri('pkcs11:id=AB%00')).toEqual({ ...none, id: Uint8Array.of(65, 66, 0) });
  });

  it('reads slot-id and library-version numbers', () => {
    expect(parsePkcs11Uri('pkcs11:slot-id=0;library-version=0')).toEqual({
      ...none,
      slotId: 0,
      libraryVersion: { major: 0, minor: 0 },
    });
    expect(parsePkcs11Uri('pkcs11:slot-id=9007199254740991;library-version=255.255')).toEqual({
      ...none,
      slotId: Number.MAX_SAFE_INTEGER,
      libraryVersion: { major: 255, minor: 255 },
    });
    expect(parsePkcs11Uri('pkcs11:slot-id=007;library-version=2.01')).toEqual({
      ...none,
      slotId: 7,
      libraryVersion: { major: 2, minor: 1 },
    });
  });

  it('reads every object type', () => {
    for (const type of ['public', 'private', 'cert', 'secret-key', 'data'] as const) {
      expect(parsePkcs11Uri(`pkcs11:type=${type}`)).toEqual({ ...none, type });
    }
  });

  it('keeps vendor attributes in order, allowing repeated query ones', () => {
    expect(
      parsePkcs11Uri('pkcs11:x-b=2;token=t;x-a=1?x-q=1&module-name=m&x-q=2&x-Z_9=%41'),
    ).toEqual({
      ...none,
      token: 't',
      moduleName: 'm',
      vendorPath: [
        { name: 'x-b', value: '2' },
        { name: 'x-a', value: '1' },
      ],
      vendorQuery: [
        { name: 'x-q', value: '1' },
        { name: 'x-q', value: '2' },
        { name: 'x-Z_9', value: 'A' },
      ],
    });
  });
});

describe('parsePkcs11Uri: rejections', () => {
  it('refuses a missing scheme', () => {
    for (const text of ['', 'token=a', 'pkcs11', 'pkcs12:token=a', ' pkcs11:token=a']) {
      expectRejected(text, '"pkcs11:"');
    }
  });

  it('refuses a fragment', () => {
    expectRejected('pkcs11:token=a#b', '"#"', 'offset 14');
    expectRejected('pkcs11:token=a?module-name=m#', 'offset 28');
  });

  it('refuses duplicate path attributes, vendor ones included', () => {
    expectRejected('pkcs11:token=a;token=b', '"token"', 'offset 15', 'first at offset 7');
    expectRejected('pkcs11:x-a=1;object=o;x-a=2', '"x-a"', 'offset 22');
  });

  it('refuses duplicate standard query attributes', () => {
    expectRejected('pkcs11:?module-name=a&module-name=b', '"module-name"', 'offset 22');
    expectRejected('pkcs11:?pin-source=a&pin-source=b', '"pin-source"');
  });

  it('refuses both pin-source and pin-value', () => {
    expectRejected('pkcs11:?pin-source=file:/p&pin-value=1234', '"pin-source"', '"pin-value"');
    expectRejected('pkcs11:?pin-value=&pin-source=', '"pin-source"', '"pin-value"');
  });

  it('refuses unknown attributes that are not vendor-specific', () => {
    expectRejected('pkcs11:tokn=a', 'unknown path attribute "tokn"', 'offset 7', '"x-"');
    expectRejected('pkcs11:?modul-name=a', 'unknown query attribute "modul-name"', 'offset 8');
    expectRejected('pkcs11:Token=a', '"Token"', 'lower-case');
    expectRejected('pkcs11:X-vendor=a', '"X-vendor"');
    expectRejected('pkcs11:x-=a', '"x-"');
  });

  it('refuses attributes in the wrong component', () => {
    expectRejected('pkcs11:pin-source=file:/p', '"pin-source"', 'query attribute');
    expectRejected('pkcs11:?token=a', '"token"', 'path attribute');
  });

  it('refuses empty attributes, empty names and names with other characters', () => {
    expectRejected('pkcs11:=a', 'empty attribute name', 'offset 7');
    expectRejected('pkcs11:token=a;=b', 'empty attribute name', 'offset 15');
    expectRejected('pkcs11:token=a;;object=b', 'empty path attribute', 'offset 15');
    expectRejected('pkcs11:token=a;', 'empty path attribute', 'offset 15');
    expectRejected('pkcs11:?module-name=a&', 'empty query attribute', 'offset 22');
    expectRejected('pkcs11:token', 'no "="', 'offset 7');
    expectRejected('pkcs11:x-a.b=1', 'invalid attribute name "x-a.b"');
    expectRejected('pkcs11:x%2Da=1', 'invalid attribute name');
  });

  it('refuses a bad type', () => {
    for (const value of ['Cert', 'key', '', 'secret_key', 'certificate']) {
      expectRejected(`pkcs11:type=${value}`, '"type"', JSON.stringify(value), 'offset 7');
    }
  });

  it('refuses a slot-id that is not a non-negative safe decimal integer', () => {
    for (const value of ['', '-1', '1.5', 'abc', '0x10', '9007199254740992', '1e3']) {
      expectRejected(`pkcs11:slot-id=${value}`, '"slot-id"', JSON.stringify(value));
    }
  });

  it('refuses a library-version that is not M or M.N', () => {
    for (const value of ['', '1.', '.1', '1.2.3', 'a', '256', '1.256', 'v1', '1,2']) {
      expectRejected(`pkcs11:library-version=${value}`, '"library-version"');
    }
  });

  it('refuses malformed percent-escapes, naming the attribute and offset', () => {
    expectRejected('pkcs11:token=%', '"token"', 'offset 13', 'percent-escape');
    expectRejected('pkcs11:object=ab%4', '"object"', 'offset 16');
    expectRejected('pkcs11:id=%zz', '"id"', 'offset 10');
    expectRejected('pkcs11:?module-path=%G0', '"module-path"', 'offset 20');
  });

  it('refuses characters that must be percent-encoded', () => {
    expectRejected('pkcs11:token=a b', '"token"', 'offset 14');
    expectRejected('pkcs11:token=a/b', '"token"', 'offset 14');
    expectRejected('pkcs11:object=Müller', '"object"', 'offset 15');
    expectRejected('pkcs11:?pin-source=a;b', '"pin-source"', 'offset 20');
    expectRejected('pkcs11:token=a\nb', '"token"');
  });

  it('refuses text that is not UTF-8', () => {
    expectRejected('pkcs11:token=%C3%28', '"token"', 'UTF-8', 'offset 13');
    expectRejected('pkcs11:?x-v=%FF', '"x-v"', 'UTF-8');
  });

  it('only ever throws INVALID_INPUT ProviderErrors', () => {
    for (const text of ['nope', 'pkcs11:a', 'pkcs11:type=x', 'pkcs11:id=%']) {
      expect(isProviderError(parseError(text))).toBe(true);
    }
  });
});

describe('parsePkcs11Uri: the PIN never appears in errors', () => {
  const pin = 'Zq7-SECRET-PIN-4711';
  const inputs = [
    `pkcs11:token=a?pin-source=file:/p&pin-value=${pin}`,
    `pkcs11:token=a?pin-value=${pin}&pin-source=file:/p`,
    `pkcs11:?pin-value=${pin}&pin-value=${pin}`,
    `pkcs11:?pin-value=${pin}%zz`,
    `pkcs11:?pin-value=%${pin}`,
    `pkcs11:?pin-value=${pin}%FF`,
    `pkcs11:?pin-value=${pin};more`,
    `pkcs11:?pin-value=${pin} more`,
    `pkcs11:?pin-value=${pin}#fragment`,
    `pkcs11:?pin-value=${pin}?&pin-value=${pin}`,
    `pkcs11:pin-value=${pin};token=a`,
    `pkcs11:pin-value=${pin}?module-name=m`,
    `pkcs11:type=bad?pin-value=${pin}`,
    `pkcs11:token=a;token=b?pin-value=${pin}`,
    `pkcs11:?PIN-VALUE=${pin}`,
    `pkcs11:?pin%2Dvalue=${pin}`,
    `pkcs11:?pin-valeu=${pin}`,
    `pkcs11:?x-pin-value=${pin}&bad`,
    `pkcs11:?pin-value=${pin}&=x`,
    `PKCS12:?pin-value=${pin}`,
  ];

  it.each(inputs)('%s', (text) => {
    const error = parseError(text);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).not.toContain(pin);
    for (let start = 0; start + 6 <= pin.length; start++) {
      expect(error.message).not.toContain(pin.slice(start, start + 6));
    }
  });

  it('quotes the URI with pin-value redacted', () => {
    const error = parseError(`pkcs11:type=bad?pin-value=${pin}`);
    expect(error.message).toContain('pin-value=***');
  });
});
