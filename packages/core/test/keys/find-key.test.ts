import { describe, expect, it } from 'vitest';
import { isProviderError } from '../../src/contract/errors.js';
import type { KeyInfo } from '../../src/contract/keys.js';
import { findKey, matchKeys } from '../../src/keys/find-key.js';
import { parseKeyReference } from '../../src/keys/key-reference.js';

function key(id: string, aliases: Partial<KeyInfo['aliases']>, label?: string): KeyInfo {
  return {
    id,
    provider: 'p',
    algorithm: { kind: 'ed25519' },
    usages: ['sign'],
    hasPrivateKey: true,
    publicKey: new Uint8Array(),
    aliases: { spkiSha256: 'ab'.repeat(32), ...aliases },
    ...(label === undefined ? {} : { label }),
  };
}

const grip = '0123456789ABCDEF0123456789ABCDEF01234567';
const fpr = 'FEDCBA9876543210FEDCBA9876543210FEDCBA98';
const keys = [
  key('one', { keygrip: grip, spkiSha256: '11'.repeat(32) }, 'First key'),
  key('two', {
    openpgpFingerprint: fpr,
    openpgpKeyId: fpr.slice(-16),
    spkiSha256: '22'.repeat(32),
  }),
  key('three', { pkcs11Uri: 'pkcs11:token=t;id=%01;type=private', spkiSha256: '33'.repeat(32) }),
];

describe('parseKeyReference', () => {
  it('recognises prefixes, URIs and bare hex by length', () => {
    expect(parseKeyReference('keygrip:abc').fields).toEqual(['keygrip']);
    expect(parseKeyReference('pkcs11:token=t').fields).toEqual(['pkcs11Uri', 'id']);
    expect(parseKeyReference(fpr.toLowerCase()).fields).toEqual([
      'id',
      'keygrip',
      'openpgpFingerprint',
      'label',
    ]);
    expect(parseKeyReference('0x' + fpr.slice(-16)).fields).toContain('openpgpKeyId');
    expect(parseKeyReference('some-label').fields).toEqual(['id', 'label']);
  });
});

describe('findKey', () => {
  it('finds a key by id, label and every alias, case-insensitively for hex', () => {
    expect(findKey(keys, 'one', 'p').id).toBe('one');
    expect(findKey(keys, 'First key', 'p').id).toBe('one');
    expect(findKey(keys, grip.toLowerCase(), 'p').id).toBe('one');
    expect(findKey(keys, `keygrip:${grip}`, 'p').id).toBe('one');
    expect(findKey(keys, `spki-sha256:${'11'.repeat(32)}`, 'p').id).toBe('one');
    expect(findKey(keys, '11'.repeat(32), 'p').id).toBe('one');
    expect(findKey(keys, fpr, 'p').id).toBe('two');
    expect(findKey(keys, `0x${fpr.slice(-16).toLowerCase()}`, 'p').id).toBe('two');
    expect(findKey(keys, 'pkcs11:token=t;id=%01;type=private', 'p').id).toBe('three');
  });

  it('prefers an exact id over an alias that looks the same', () => {
    const tricky = [key(grip, {}), key('other', { keygrip: grip })];
    expect(matchKeys(tricky, grip).map((k) => k.id)).toEqual([grip]);
  });

  it('throws KEY_NOT_FOUND naming the closest candidates', () => {
    try {
      findKey(keys, 'tow', 'p');
      expect.unreachable();
    } catch (error) {
      expect(isProviderError(error) && error.code).toBe('KEY_NOT_FOUND');
      expect((error as Error).message).toContain('"two"');
      expect((error as Error).message).toContain('provider "p"');
    }
  });

  it('throws INVALID_INPUT for a reference that names two keys', () => {
    const twins = [key('a', {}, 'same'), key('b', {}, 'same')];
    expect(() => findKey(twins, 'same', 'p')).toThrow(/ambiguous/);
    try {
      findKey(twins, 'same', 'p');
    } catch (error) {
      expect(isProviderError(error) && error.code).toBe('INVALID_INPUT');
    }
  });
});
