import { ProviderError } from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import { toProviderError } from '../errors.js';
import { formatPkcs11Uri } from '../uri/format.js';
import { matchesToken } from '../uri/match.js';
import type { Pkcs11Uri } from '../uri/types.js';
import { describeToken, readTokenDetails, type TokenDetails } from './token-details.js';

/**
 * Every token present in the module's slots. Synchronous PKCS#11 calls: used when a provider
 * starts, when a token is lost and on the rescan timer, never per request.
 */
export function listPresentTokens(pkcs11: PKCS11): TokenDetails[] {
  return pkcs11.C_GetSlotList(true).flatMap((slot) => {
    try {
      return [readTokenDetails(pkcs11, slot)];
    } catch {
      // The token left between the two calls, or the slot is broken: not a candidate.
      return [];
    }
  });
}

/**
 * Finds the one present token that `uri` names (token, manufacturer, serial, model). Returns
 * undefined when none matches, so that callers decide whether absence is an error.
 *
 * @throws ProviderError `INVALID_INPUT` when the URI names more than one token (the message
 *   lists them, so the operator can add `serial=`); `UNAVAILABLE` when the slot list fails.
 */
export function findToken(
  pkcs11: PKCS11,
  uri: Pkcs11Uri,
  provider: string,
): TokenDetails | undefined {
  let tokens: TokenDetails[];
  try {
    tokens = listPresentTokens(pkcs11);
  } catch (error) {
    throw toProviderError(error, { provider, operation: 'list the PKCS#11 slots' });
  }
  const matches = tokens.filter((token) => matchesToken(uri, token));
  if (matches.length > 1) {
    throw new ProviderError(
      'INVALID_INPUT',
      `"${formatPkcs11Uri(uri, { includeQuery: false })}" names ${matches.length} tokens: ` +
        `${matches.map((token) => describeToken(token)).join(', ')}; add serial= to choose one`,
      { provider },
    );
  }
  return matches[0];
}

/** The `UNAVAILABLE` error for a token that is not present, listing the tokens that are. */
export function tokenNotPresent(pkcs11: PKCS11, uri: Pkcs11Uri, provider: string): ProviderError {
  let present = '';
  try {
    const tokens = listPresentTokens(pkcs11);
    present =
      tokens.length === 0
        ? '; no token is present'
        : `; present: ${tokens.map((token) => describeToken(token)).join(', ')}`;
  } catch {
    // The list is only a hint.
  }
  return new ProviderError(
    'UNAVAILABLE',
    `no token matches "${formatPkcs11Uri(uri, { includeQuery: false })}"${present}`,
    { provider },
  );
}
