import { ProviderError, matchKeys, type KeyReference } from '@keyroute/core';
import type { TokenCatalog, TokenKey } from '../objects/token-keys.js';
import type { TokenDetails } from '../token/token-details.js';
import { matchesObject, matchesToken } from '../uri/match.js';
import { parsePkcs11Uri } from '../uri/parse.js';

/** Keys a `pkcs11:` URI names: token attributes, then object label, id and type. */
function matchUri(catalog: TokenCatalog, text: string, token: TokenDetails): TokenKey[] {
  const uri = parsePkcs11Uri(text);
  if (!matchesToken(uri, token)) return [];
  // `type=private` needs the private key; `type=public` names a pair by its public half too.
  if (uri.type !== undefined && uri.type !== 'private' && uri.type !== 'public') return [];
  return catalog.keys.filter((key) => {
    if (uri.type === 'private' && key.privateHandle === undefined) return false;
    const ckaId = key.info.details?.['ckaId'];
    return matchesObject(uri, {
      ...(key.info.label === undefined ? {} : { label: key.info.label }),
      ...(typeof ckaId === 'string' && ckaId !== '' ? { id: Buffer.from(ckaId, 'hex') } : {}),
      type: uri.type ?? 'private',
    });
  });
}

/**
 * Finds the one key a reference names in a token's catalog: an id, a label or an alias (core's
 * rules), or a `pkcs11:` URI compared attribute by attribute (token, object label, id, type).
 *
 * @returns undefined when nothing matches (the caller may rescan the token and try again).
 * @throws ProviderError `INVALID_INPUT` when the reference names several keys or is a malformed
 *   URI.
 */
export function findTokenKey(
  catalog: TokenCatalog,
  reference: KeyReference,
  token: TokenDetails,
  provider: string,
): TokenKey | undefined {
  const text = reference.trim();
  let matches: TokenKey[];
  if (/^pkcs11:/i.test(text)) {
    matches = matchUri(catalog, text, token);
  } else {
    const infos = new Set(
      matchKeys(
        catalog.keys.map((key) => key.info),
        text,
      ),
    );
    matches = catalog.keys.filter((key) => infos.has(key.info));
  }
  if (matches.length > 1) {
    const ids = matches.map((key) => `"${key.info.id}"`).join(', ');
    throw new ProviderError(
      'INVALID_INPUT',
      `key reference "${reference}" is ambiguous in provider "${provider}": it names ${ids}; use a key id`,
      { provider, key: reference },
    );
  }
  return matches[0];
}
