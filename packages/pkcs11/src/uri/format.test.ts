import { hasErrorCode } from '@keyroute/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { formatPkcs11Uri, redactPkcs11Uri } from './format.js';
import { parsePkcs11Uri } from './parse.js';
import { PKCS11_OBJECT_TYPES } from './types.js';
import type { Pkcs11ObjectType, Pkcs11Uri, Pkcs11VendorAttribute } from './types.js';

const none = { vendorPath: [], vendorQuery: [] } as const;

const everything: Pkcs11Uri = {
  vendorPath: [
    { name: 'x-zeta', value: 'z' },
    { name: 'x-alpha', value: 'a b' },
  ],
  vendorQuery: [
    { name: 'x-q', value: '1' },
    { name: 'x-q', value: '2&3' },
  ],
  modulePath: '/usr/lib/softhsm/libsofthsm2.so',
  moduleName: 'softhsm2',
  pinValue: '1234',
  id: Uint8Array.of(0x01, 0xab),
  type: 'private',
  object: 'sign key',
  token: 'Token;1',
  serial: '0123',
  model: 'SoftHSM v2',
  manufacturer: 'SoftHSM project',
  slotId: 42,
  slotDescription: 'Slot/0',
  slotManufacturer: 'Müller',
  libraryVersion: { major: 2, minor: 6 },
  libraryDescription: 'Implementation of PKCS11',
  libraryManufacturer: 'SoftHSM',
};

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('formatPkcs11Uri', () => {
  it('writes attributes in canonical order', () => {
    expect(formatPkcs11Uri(everything, { redactPin: false })).toBe(
      'pkcs11:library-manufacturer=SoftHSM;library-description=Implementation%20of%20PKCS11;' +
        'library-version=2.6;slot-manufacturer=M%C3%BCller;slot-description=Slot%2F0;slot-id=42;' +
        'manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=0123;token=Token%3B1;' +
        'object=sign%20key;type=private;id=%01%AB;x-zeta=z;x-alpha=a%20b' +
        '?pin-value=1234&module-name=softhsm2&module-path=/usr/lib/softhsm/libsofthsm2.so' +
        '&x-q=1&x-q=2%263',
    );
  });

  it('leaves pin-value out by default', () => {
    const formatted = formatPkcs11Uri(everything);
    expect(formatted).not.toContain('pin-value');
    expect(formatted).not.toContain('1234');
    expect(formatted).toContain('?module-name=softhsm2');
    expect(parsePkcs11Uri(formatted)).toEqual({
      ...everything,
      pinValue: undefined,
    });
  });

  it('leaves the query out on request', () => {
    expect(formatPkcs11Uri(everything, { includeQuery: false, redactPin: false })).toMatch(
      /^pkcs11:library-manufacturer=SoftHSM;[^?]*;x-alpha=a%20b$/,
    );
  });

  it('writes an empty URI and empty values', () => {
    expect(formatPkcs11Uri(none)).toBe('pkcs11:');
    expect(formatPkcs11Uri({ ...none, token: '', id: new Uint8Array() })).toBe('pkcs11:token=;id=');
    expect(formatPkcs11Uri({ ...none, pinSource: '' })).toBe('pkcs11:?pin-source=');
    expect(formatPkcs11Uri({ ...none, pinValue: 'x' })).toBe('pkcs11:');
  });

  it('writes both PIN attributes only when pin-value is left out', () => {
    const both: Pkcs11Uri = { ...none, pinSource: 'file:/p', pinValue: '1234' };
    expect(formatPkcs11Uri(both)).toBe('pkcs11:?pin-source=file:/p');
    const error = thrownBy(() => formatPkcs11Uri(both, { redactPin: false }));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect((error as Error).message).not.toContain('1234');
  });

  it('refuses what no valid URI can carry', () => {
    const invalid: Pkcs11Uri[] = [
      { ...none, slotId: -1 },
      { ...none, slotId: 1.5 },
      { ...none, slotId: 2 ** 53 },
      { ...none, libraryVersion: { major: 256, minor: 0 } },
      { ...none, libraryVersion: { major: 1, minor: -1 } },
      { ...none, libraryVersion: { major: 1, minor: 0.5 } },
      { ...none, type: 'key' as unknown as Pkcs11ObjectType },
      { ...none, vendorPath: [{ name: 'token', value: 'a' }] },
      { ...none, vendorPath: [{ name: 'pin-value', value: 'a' }] },
      { ...none, vendorQuery: [{ name: 'a b', value: 'a' }] },
      { ...none, vendorQuery: [{ name: '', value: 'a' }] },
      {
        ...none,
        vendorPath: [
          { name: 'x-a', value: '1' },
          { name: 'x-a', value: '2' },
        ],
      },
      { ...none, token: 'a\uD800' },
    ];
    for (const uri of invalid) {
      expect(
        hasErrorCode(
          thrownBy(() => formatPkcs11Uri(uri)),
          'INVALID_INPUT',
        ),
      ).toBe(true);
    }
  });

  it('never puts a pin-value in its errors', () => {
    const error = thrownBy(() =>
      formatPkcs11Uri({ ...none, pinValue: 'secret\uD800' }, { redactPin: false }),
    );
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect((error as Error).message).toContain('"pin-value"');
    expect((error as Error).message).not.toContain('secret');
  });
});

describe('redactPkcs11Uri', () => {
  it('hides pin-value in the query and the path', () => {
    expect(redactPkcs11Uri('pkcs11:token=a?pin-value=1234&module-name=m')).toBe(
      'pkcs11:token=a?pin-value=***&module-name=m',
    );
    expect(redactPkcs11Uri('pkcs11:token=a?module-name=m&pin-value=1234')).toBe(
      'pkcs11:token=a?module-name=m&pin-value=***',
    );
    expect(redactPkcs11Uri('pkcs11:pin-value=1234;token=a')).toBe('pkcs11:pin-value=***;token=a');
    expect(redactPkcs11Uri('pkcs11:?pin-value=')).toBe('pkcs11:?pin-value=***');
  });

  it('leaves URIs without secrets alone', () => {
    for (const text of [
      'pkcs11:',
      'pkcs11:token=a;object=b?pin-source=file:/etc/pin&module-name=m',
      'not a uri at all',
      '',
    ]) {
      expect(redactPkcs11Uri(text)).toBe(text);
    }
  });

  it('hides every occurrence, and secrets of unparsable URIs whole', () => {
    expect(redactPkcs11Uri('pkcs11:?pin-value=1&pin-value=2')).toBe(
      'pkcs11:?pin-value=***&pin-value=***',
    );
    expect(redactPkcs11Uri('pkcs11:?pin-value=12;34#56')).toBe('pkcs11:?pin-value=***');
    expect(redactPkcs11Uri('pkcs11:pin-value=12?34&x=1')).toBe('pkcs11:pin-value=***');
    expect(redactPkcs11Uri('PKCS11:?PIN-Value=1234')).toBe('PKCS11:?PIN-Value=***');
    expect(redactPkcs11Uri('pkcs11:?pin%2Dvalue=1234')).toBe('pkcs11:?pin%2Dvalue=***');
    expect(redactPkcs11Uri('pkcs11:token=a;\n  pin-value=1234')).toBe(
      'pkcs11:token=a;\n  pin-value=***',
    );
  });

  it('errs on the side of hiding PIN-like vendor and misspelt attributes', () => {
    expect(redactPkcs11Uri('pkcs11:?x-pin-value=1234&x-password=p&pin-valeu=9')).toBe(
      'pkcs11:?x-pin-value=***&x-password=***&pin-valeu=***',
    );
  });
});

const text = fc.string({ unit: 'binary', maxLength: 24 });
const vendorName = fc.stringMatching(/^x-[A-Za-z0-9_-]{1,8}$/);
const vendorAttribute: fc.Arbitrary<Pkcs11VendorAttribute> = fc.record({
  name: vendorName,
  value: text,
});

const arbitraryUri: fc.Arbitrary<Pkcs11Uri> = fc
  .tuple(
    fc.record(
      {
        token: text,
        manufacturer: text,
        serial: text,
        model: text,
        libraryManufacturer: text,
        libraryDescription: text,
        libraryVersion: fc.record({
          major: fc.integer({ min: 0, max: 255 }),
          minor: fc.integer({ min: 0, max: 255 }),
        }),
        slotDescription: text,
        slotManufacturer: text,
        slotId: fc.maxSafeNat(),
        object: text,
        type: fc.constantFrom(...PKCS11_OBJECT_TYPES),
        id: fc.uint8Array({ maxLength: 32 }),
        moduleName: text,
        modulePath: text,
      },
      { requiredKeys: [] },
    ),
    fc.option(
      fc.oneof(
        text.map((pinSource) => ({ pinSource })),
        text.map((pinValue) => ({ pinValue })),
      ),
      { nil: undefined },
    ),
    fc.uniqueArray(vendorAttribute, { maxLength: 3, selector: (attribute) => attribute.name }),
    fc.array(vendorAttribute, { maxLength: 3 }),
  )
  .map(([attributes, pin, vendorPath, vendorQuery]) => ({
    ...attributes,
    ...pin,
    vendorPath,
    vendorQuery,
  }));

describe('format → parse round trip (property)', () => {
  it('parse(format(uri)) deep-equals uri, for any unicode text and id bytes', () => {
    fc.assert(
      fc.property(arbitraryUri, (uri) => {
        const formatted = formatPkcs11Uri(uri, { redactPin: false });
        expect(formatted).toMatch(/^pkcs11:[\x21-\x7e]*$/);
        expect(formatted).not.toContain('#');
        expect(parsePkcs11Uri(formatted)).toEqual(uri);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips arbitrary labels and ids exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (label, id) => {
          const parsed = parsePkcs11Uri(
            formatPkcs11Uri({ ...none, token: label, object: label, id }),
          );
          expect(parsed.token).toBe(label);
          expect(parsed.object).toBe(label);
          expect([...(parsed.id ?? [])]).toEqual([...id]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('redactPkcs11Uri hides exactly the pin-value of a formatted URI', () => {
    fc.assert(
      fc.property(arbitraryUri, text, (uri, pinValue) => {
        const { pinSource: _ignored, ...withoutSource } = uri;
        const withPin: Pkcs11Uri = { ...withoutSource, pinValue, vendorPath: [], vendorQuery: [] };
        const redacted = redactPkcs11Uri(formatPkcs11Uri(withPin, { redactPin: false }));
        expect(parsePkcs11Uri(redacted)).toEqual({ ...withPin, pinValue: '***' });
      }),
      { numRuns: 200 },
    );
  });
});
