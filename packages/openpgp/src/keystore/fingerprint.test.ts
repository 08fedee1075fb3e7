import { hasErrorCode } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { isFingerprint, normalizeFingerprint } from './fingerprint.js';

const V4 = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('normalizeFingerprint', () => {
  it('accepts GnuPG spellings: lower case, 0x, groups separated by spaces', () => {
    expect(normalizeFingerprint(V4.toLowerCase())).toBe(V4);
    expect(normalizeFingerprint(`0x${V4}`)).toBe(V4);
    expect(normalizeFingerprint('0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567')).toBe(V4);
    expect(normalizeFingerprint('AB'.repeat(32))).toBe('AB'.repeat(32));
  });

  it('refuses anything that could name another file', () => {
    for (const bad of ['../secret/x', `${V4}.asc`, V4.slice(1), '', `${V4}/`]) {
      let error: unknown;
      try {
        normalizeFingerprint(bad, 'p');
      } catch (caught) {
        error = caught;
      }
      expect(hasErrorCode(error, 'INVALID_INPUT'), bad).toBe(true);
    }
  });

  it('isFingerprint takes only the canonical upper-case form', () => {
    expect(isFingerprint(V4)).toBe(true);
    expect(isFingerprint(V4.toLowerCase())).toBe(false);
    expect(isFingerprint(`0x${V4}`)).toBe(false);
  });
});
