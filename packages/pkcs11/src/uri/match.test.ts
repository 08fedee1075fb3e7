import { describe, expect, it } from 'vitest';

import {
  hasObjectAttributes,
  hasTokenAttributes,
  matchesModule,
  matchesObject,
  matchesSlot,
  matchesToken,
} from './match.js';
import type {
  ModuleDescription,
  ObjectDescription,
  SlotDescription,
  TokenDescription,
} from './match.js';
import { parsePkcs11Uri } from './parse.js';

const softhsm: ModuleDescription = {
  manufacturer: 'SoftHSM',
  description: 'Implementation of PKCS11',
  version: { major: 2, minor: 6 },
};
const slot: SlotDescription = {
  id: 1831212,
  manufacturer: 'SoftHSM project',
  description: 'Slot 0',
};
const token: TokenDescription = {
  label: 'Müller; token',
  manufacturer: 'SoftHSM project',
  model: 'SoftHSM v2',
  serial: '8e1f0b5a9c1bbd3c',
};
const key: ObjectDescription = {
  label: 'signing key',
  id: Uint8Array.of(0x01, 0x02, 0xab),
  type: 'private',
};

describe('matchers', () => {
  it('match everything with an empty URI', () => {
    const uri = parsePkcs11Uri('pkcs11:');
    expect(matchesModule(uri, softhsm)).toBe(true);
    expect(matchesSlot(uri, slot)).toBe(true);
    expect(matchesToken(uri, token)).toBe(true);
    expect(matchesObject(uri, key)).toBe(true);
    expect(matchesObject(uri, { type: 'data' })).toBe(true);
  });

  it('ignore attributes of other layers and the query', () => {
    const uri = parsePkcs11Uri('pkcs11:token=other;object=other?module-name=x&x-q=1');
    expect(matchesModule(uri, softhsm)).toBe(true);
    expect(matchesSlot(uri, slot)).toBe(true);
  });

  it('match a module on manufacturer, description and version', () => {
    const uri = (text: string) => parsePkcs11Uri(`pkcs11:${text}`);
    expect(
      matchesModule(
        uri(
          'library-manufacturer=SoftHSM;library-description=Implementation%20of%20PKCS11;' +
            'library-version=2.6',
        ),
        softhsm,
      ),
    ).toBe(true);
    expect(matchesModule(uri('library-version=2'), softhsm)).toBe(false);
    expect(
      matchesModule(uri('library-version=2'), { ...softhsm, version: { major: 2, minor: 0 } }),
    ).toBe(true);
    expect(matchesModule(uri('library-version=2.60'), softhsm)).toBe(false);
    expect(matchesModule(uri('library-manufacturer=softhsm'), softhsm)).toBe(false);
    expect(matchesModule(uri('library-description='), softhsm)).toBe(false);
    expect(matchesModule(uri('library-description='), { ...softhsm, description: '' })).toBe(true);
  });

  it('match a slot on id, manufacturer and description', () => {
    const uri = (text: string) => parsePkcs11Uri(`pkcs11:${text}`);
    expect(
      matchesSlot(
        uri('slot-id=1831212;slot-manufacturer=SoftHSM%20project;slot-description=Slot%200'),
        slot,
      ),
    ).toBe(true);
    expect(matchesSlot(uri('slot-id=0'), slot)).toBe(false);
    expect(matchesSlot(uri('slot-description=Slot%201'), slot)).toBe(false);
    expect(matchesSlot(uri('slot-manufacturer=SoftHSM'), slot)).toBe(false);
  });

  it('match a token on label, manufacturer, model and serial, exactly', () => {
    const uri = (text: string) => parsePkcs11Uri(`pkcs11:${text}`);
    expect(
      matchesToken(
        uri(
          'token=M%C3%BCller%3B%20token;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;' +
            'serial=8e1f0b5a9c1bbd3c',
        ),
        token,
      ),
    ).toBe(true);
    expect(matchesToken(uri('token=M%C3%BCller%3B%20token%20'), token)).toBe(false);
    expect(matchesToken(uri('token=m%C3%BCller%3B%20token'), token)).toBe(false);
    expect(matchesToken(uri('serial='), token)).toBe(false);
    expect(matchesToken(uri('model=SoftHSM'), token)).toBe(false);
    expect(matchesToken(uri('manufacturer=x'), token)).toBe(false);
  });

  it('match an object on label, type and id bytes', () => {
    const uri = (text: string) => parsePkcs11Uri(`pkcs11:${text}`);
    expect(matchesObject(uri('object=signing%20key;type=private;id=%01%02%AB'), key)).toBe(true);
    expect(matchesObject(uri('id=%01%02%ab'), key)).toBe(true);
    expect(matchesObject(uri('id=%01%02'), key)).toBe(false);
    expect(matchesObject(uri('id=%01%02%AB%00'), key)).toBe(false);
    expect(matchesObject(uri('id='), key)).toBe(false);
    expect(matchesObject(uri('id='), { ...key, id: new Uint8Array() })).toBe(true);
    expect(matchesObject(uri('type=public'), key)).toBe(false);
    expect(matchesObject(uri('object=signing'), key)).toBe(false);
    expect(matchesObject(uri('object=signing%20key'), { type: 'private' })).toBe(false);
    expect(matchesObject(uri('id=%01'), { type: 'private' })).toBe(false);
    expect(matchesObject(uri('type=private'), { type: 'private' })).toBe(true);
  });

  it('match nothing when the URI has a vendor-specific path attribute', () => {
    const uri = parsePkcs11Uri('pkcs11:x-vendor=1');
    expect(matchesModule(uri, softhsm)).toBe(false);
    expect(matchesSlot(uri, slot)).toBe(false);
    expect(matchesToken(uri, token)).toBe(false);
    expect(matchesObject(uri, key)).toBe(false);
  });
});

describe('hasObjectAttributes / hasTokenAttributes', () => {
  it('tell which layers a URI names', () => {
    const has = (text: string) => {
      const uri = parsePkcs11Uri(text);
      return [hasTokenAttributes(uri), hasObjectAttributes(uri)];
    };
    expect(has('pkcs11:')).toEqual([false, false]);
    expect(has('pkcs11:slot-id=1;library-version=1?pin-source=x')).toEqual([false, false]);
    expect(has('pkcs11:token=')).toEqual([true, false]);
    expect(has('pkcs11:manufacturer=m')).toEqual([true, false]);
    expect(has('pkcs11:serial=s')).toEqual([true, false]);
    expect(has('pkcs11:model=m')).toEqual([true, false]);
    expect(has('pkcs11:object=')).toEqual([false, true]);
    expect(has('pkcs11:type=cert')).toEqual([false, true]);
    expect(has('pkcs11:id=%01;token=t')).toEqual([true, true]);
  });
});
