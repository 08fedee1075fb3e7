import { readFile, stat } from 'node:fs/promises';
import { ProviderError } from '@keyroute/core';
import { DEFAULT_PROVIDER_ID, fileSystemError } from '../keystore/errors.js';
import { exactlyOne } from './candidates.js';
import { candidatesOfKeys } from './key-candidates.js';
import { readCertificates } from './read-certificates.js';
import { keyMatchesSearch } from './search.js';
import type { KeySearch } from './search.js';

/**
 * The one certificate of the key file `path` (armored blocks or a binary keyring, at most
 * `maxBytes`) that matches `search`, armored; only its public part.
 *
 * @throws ProviderError `KEY_NOT_FOUND` when none matches; `INVALID_INPUT` when several match
 *   (listed), or for a file too large or holding no key; `UNAVAILABLE`/`DENIED` when it cannot
 *   be read.
 */
export async function certificateFromFile(
  path: string,
  search: KeySearch,
  searchText: string,
  maxBytes: number,
): Promise<string> {
  const where = `the file ${path}`;
  let bytes: Uint8Array;
  try {
    const { size } = await stat(path);
    if (size > maxBytes) {
      throw new ProviderError(
        'INVALID_INPUT',
        `${where} is ${size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    bytes = await readFile(path);
  } catch (error) {
    throw fileSystemError(error, { provider: DEFAULT_PROVIDER_ID, operation: `read ${where}` });
  }
  const keys = await readCertificates(bytes, where, 'INVALID_INPUT');
  const matching = keys.filter((key) => keyMatchesSearch(key, search));
  const { key } = exactlyOne(await candidatesOfKeys(matching), searchText, where);
  return key.toPublic().armor();
}
