import { ProviderError } from '@keyroute/core';

/** A v4 (40 hex digits, SHA-1) or v6 (64 hex digits, SHA-256) primary key fingerprint. */
const FINGERPRINT = /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/;

/** True when `text` is an upper-case v4 or v6 fingerprint, the form used as a file stem. */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT.test(text);
}

/**
 * The canonical form of a fingerprint given by a caller: upper-case hex, without `0x` and
 * without the spaces GnuPG prints between groups.
 *
 * @throws ProviderError `INVALID_INPUT` when the result is not 40 or 64 hex digits (so that a
 *   fingerprint never becomes a path like `../x`).
 */
export function normalizeFingerprint(input: string, provider?: string): string {
  const digits = input.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!isFingerprint(digits)) {
    throw new ProviderError(
      'INVALID_INPUT',
      `"${input.slice(0, 80)}" is not an OpenPGP fingerprint (40 or 64 hex digits)`,
      provider === undefined ? {} : { provider },
    );
  }
  return digits;
}

/** The fingerprint of an openpgp.js key in the keystore's form (upper-case hex). */
export function fingerprintOf(key: { getFingerprint(): string }): string {
  return key.getFingerprint().toUpperCase();
}
