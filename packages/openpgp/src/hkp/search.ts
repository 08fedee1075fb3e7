import { ProviderError } from '@keyroute/core';
import type { Key } from 'openpgp';
import type { HkpIndexEntry } from './hkp-index.js';

/** What a lookup searches for, normalised. */
export type KeySearch =
  | { readonly kind: 'fingerprint'; readonly fingerprint: string }
  | { readonly kind: 'keyId'; readonly keyId: string }
  | { readonly kind: 'email'; readonly email: string }
  | { readonly kind: 'text'; readonly text: string };

const MAX_SEARCH_LENGTH = 256;
const EMAIL = /^<?([^\s<>@]+@[^\s<>@]+)>?$/;

/**
 * Classifies a search: a fingerprint (40 or 64 hex digits, `0x` and spaces allowed), a long key
 * id (16 hex digits), an e-mail address (bare or in angle brackets), or other text matched
 * against user IDs. Pure.
 *
 * @throws ProviderError `INVALID_INPUT` for an empty or over-long search, control characters, or
 *   a short (8-digit) key id — those collide by design; use the fingerprint.
 */
export function parseKeySearch(search: string): KeySearch {
  const text = search.trim();
  if (text === '' || text.length > MAX_SEARCH_LENGTH || /\p{Cc}/u.test(text)) {
    throw new ProviderError(
      'INVALID_INPUT',
      `a key search must be 1 to ${MAX_SEARCH_LENGTH} printable characters`,
    );
  }
  const digits = /^(?:0x)?([0-9a-f\s]+)$/i.exec(text)?.[1];
  const hex = digits?.replace(/\s+/g, '').toUpperCase();
  if (hex !== undefined) {
    if (hex.length === 40 || hex.length === 64) return { kind: 'fingerprint', fingerprint: hex };
    // Only fingerprints are written in groups: "Dead Beef" is a name, not a key id.
    const grouped = hex.length !== digits?.length;
    if (hex.length === 16 && !grouped) return { kind: 'keyId', keyId: hex };
    if (hex.length === 8 && !grouped) {
      throw new ProviderError(
        'INVALID_INPUT',
        `short key id ${hex} is ambiguous by design; search by fingerprint or e-mail address`,
      );
    }
  }
  const email = EMAIL.exec(text)?.[1];
  if (email !== undefined) return { kind: 'email', email: email.toLowerCase() };
  return { kind: 'text', text };
}

/** The `search` parameter of an HKP lookup: hex searches take the `0x` prefix. */
export function hkpSearchTerm(search: KeySearch): string {
  switch (search.kind) {
    case 'fingerprint':
      return `0x${search.fingerprint}`;
    case 'keyId':
      return `0x${search.keyId}`;
    case 'email':
      return search.email;
    case 'text':
      return search.text;
  }
}

/** The e-mail address of a user ID `Name <address>` (or a bare address), lower-case. */
export function emailOfUserId(userId: string): string | undefined {
  const inBrackets = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(userId)?.[1];
  const bare = /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(userId)?.[1];
  return (inBrackets ?? bare)?.toLowerCase();
}

function userIdsMatch(userIds: readonly string[], search: KeySearch): boolean {
  if (search.kind === 'email') return userIds.some((id) => emailOfUserId(id) === search.email);
  if (search.kind === 'text') {
    const wanted = search.text.toLowerCase();
    return userIds.some((id) => id.toLowerCase().includes(wanted));
  }
  return false;
}

/**
 * True when a certificate matches: the fingerprint or key id of its primary key or of a
 * subkey, an exact e-mail address of one of its user IDs (case-insensitive, so `bob@x` does not
 * match `rebob@x`), or text contained in a user ID.
 */
export function keyMatchesSearch(key: Key, search: KeySearch): boolean {
  switch (search.kind) {
    case 'fingerprint':
      return key
        .getKeys()
        .some((part) => part.getFingerprint().toUpperCase() === search.fingerprint);
    case 'keyId':
      return key.getKeys().some((part) => part.getKeyID().toHex().toUpperCase() === search.keyId);
    default:
      return userIdsMatch(key.getUserIDs(), search);
  }
}

/**
 * True when an HKP index entry may be the key searched for. The server did the matching; this
 * only drops the near misses of e-mail searches (servers match substrings), and keeps entries
 * whose user IDs the server withheld.
 */
export function indexEntryMatchesSearch(entry: HkpIndexEntry, search: KeySearch): boolean {
  if (search.kind !== 'email' || entry.userIds.length === 0) return true;
  return userIdsMatch(entry.userIds, search);
}
