import { hasErrorCode } from '@keyroute/core';
import { generateKey } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { emailOfUserId, hkpSearchTerm, keyMatchesSearch, parseKeySearch } from './search.js';

function error(run: () => unknown): unknown {
  try {
    run();
  } catch (caught) {
    return caught;
  }
  throw new Error('expected an error');
}

describe('parseKeySearch', () => {
  it('classifies fingerprints, key ids, e-mail addresses and text', () => {
    const fingerprint = '0123456789ABCDEF0123456789ABCDEF01234567';
    expect(parseKeySearch(`0x${fingerprint.toLowerCase()}`)).toEqual({
      kind: 'fingerprint',
      fingerprint,
    });
    expect(parseKeySearch('0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567')).toEqual({
      kind: 'fingerprint',
      fingerprint,
    });
    expect(parseKeySearch('89abcdef01234567')).toEqual({
      kind: 'keyId',
      keyId: '89ABCDEF01234567',
    });
    expect(parseKeySearch(' <Alice@Example.org> ')).toEqual({
      kind: 'email',
      email: 'alice@example.org',
    });
    expect(parseKeySearch('Alice Example')).toEqual({ kind: 'text', text: 'Alice Example' });
    expect(parseKeySearch('Dead Beef')).toEqual({ kind: 'text', text: 'Dead Beef' });
  });

  it('refuses empty, over-long, control-character and short key id searches', () => {
    for (const bad of ['', '   ', 'x'.repeat(257), 'a\nb', 'DEADBEEF']) {
      expect(
        hasErrorCode(
          error(() => parseKeySearch(bad)),
          'INVALID_INPUT',
        ),
        bad,
      ).toBe(true);
    }
  });

  it('gives HKP its 0x prefix for hex searches', () => {
    expect(hkpSearchTerm(parseKeySearch('89abcdef01234567'))).toBe('0x89ABCDEF01234567');
    expect(hkpSearchTerm(parseKeySearch('alice@example.org'))).toBe('alice@example.org');
  });
});

describe('keyMatchesSearch', () => {
  it('matches e-mail addresses exactly, and fingerprints and key ids of subkeys too', async () => {
    const { publicKey } = await generateKey({
      userIDs: [{ name: 'Bob', email: 'bob@example.org' }],
      type: 'ecc',
      curve: 'ed25519Legacy',
      format: 'object',
    });
    const subkey = publicKey.subkeys[0];
    expect(keyMatchesSearch(publicKey, parseKeySearch('BOB@example.org'))).toBe(true);
    expect(keyMatchesSearch(publicKey, parseKeySearch('ob@example.org'))).toBe(false);
    expect(keyMatchesSearch(publicKey, parseKeySearch('bob'))).toBe(true);
    expect(keyMatchesSearch(publicKey, parseKeySearch(publicKey.getFingerprint()))).toBe(true);
    expect(keyMatchesSearch(publicKey, parseKeySearch(subkey?.getFingerprint() ?? ''))).toBe(true);
    expect(keyMatchesSearch(publicKey, parseKeySearch(subkey?.getKeyID().toHex() ?? ''))).toBe(
      true,
    );
    expect(keyMatchesSearch(publicKey, parseKeySearch('AB'.repeat(20)))).toBe(false);
  });

  it('reads the address of a user ID', () => {
    expect(emailOfUserId('Bob <Bob@Example.org>')).toBe('bob@example.org');
    expect(emailOfUserId('bob@example.org')).toBe('bob@example.org');
    expect(emailOfUserId('Bob')).toBeUndefined();
  });
});
