import { ProviderError, isProviderError } from '@keyroute/core';
import { fingerprintOf } from '../keystore/fingerprint.js';
import { exactlyOne } from './candidates.js';
import type { Candidate } from './candidates.js';
import { parseHkpIndex } from './hkp-index.js';
import type { HkpIndexEntry } from './hkp-index.js';
import { hkpBaseUrl, hkpLookupUrl } from './hkp-url.js';
import { httpGet } from './http-get.js';
import type { HttpAnswer, HttpGetOptions } from './http-get.js';
import { candidatesOfKeys } from './key-candidates.js';
import { readCertificates } from './read-certificates.js';
import { hkpSearchTerm, indexEntryMatchesSearch, keyMatchesSearch } from './search.js';
import type { KeySearch } from './search.js';

const FLAG_REMARKS: Readonly<Record<string, string>> = {
  r: 'revoked',
  d: 'disabled',
  e: 'expired',
};

function candidateOfEntry(entry: HkpIndexEntry): Candidate & { entry: HkpIndexEntry } {
  const remarks = entry.flags.split('').flatMap((flag) => FLAG_REMARKS[flag] ?? []);
  return {
    id: entry.fingerprint ?? entry.keyId,
    userIds: entry.userIds,
    ...(remarks.length === 0 ? {} : { remarks }),
    entry,
  };
}

function statusError(answer: HttpAnswer, where: string): ProviderError {
  const message = `the keyserver ${where} answered HTTP ${answer.status}`;
  if (answer.status >= 500 || answer.status === 429) {
    return new ProviderError('UNAVAILABLE', message);
  }
  if (answer.status === 400 || answer.status === 422) {
    return new ProviderError('INVALID_INPUT', `${message}: it refused the search`);
  }
  return new ProviderError('PROTOCOL', message);
}

function isSuccess(answer: HttpAnswer): boolean {
  return answer.status >= 200 && answer.status < 300;
}

/** Fetches one certificate by fingerprint or key id (`op=get`) and checks it is that one. */
async function getOne(
  base: URL,
  entry: HkpIndexEntry,
  searchText: string,
  where: string,
  http: HttpGetOptions,
): Promise<string> {
  const id = entry.fingerprint ?? entry.keyId;
  const answer = await httpGet(hkpLookupUrl(base, 'get', `0x${id}`), http);
  if (answer.status === 404) {
    throw new ProviderError(
      'KEY_NOT_FOUND',
      `the keyserver ${where} lists ${id} for "${searchText}" but does not serve it`,
    );
  }
  if (!isSuccess(answer)) throw statusError(answer, where);
  const keys = await readCertificates(answer.body, `the answer of ${where}`, 'PROTOCOL');
  const key = keys.find((candidate) =>
    entry.fingerprint === undefined
      ? candidate.getKeyID().toHex().toUpperCase().endsWith(entry.keyId)
      : fingerprintOf(candidate) === entry.fingerprint,
  );
  if (key === undefined) {
    throw new ProviderError(
      'PROTOCOL',
      `the keyserver ${where} answered the lookup of ${id} with other keys`,
    );
  }
  return key.toPublic().armor();
}

/**
 * The one certificate matching `search` on the HKP server at `url`, armored: `op=index` lists
 * the candidates, `op=get` fetches exactly one, by fingerprint, and it is checked to be that
 * one. A server without `op=index` (HTTP 501) is asked `op=get` directly.
 *
 * @throws ProviderError `KEY_NOT_FOUND`, `INVALID_INPUT` (several matches, listed; an answer
 *   over `maxBytes`), `UNAVAILABLE`, `TIMEOUT`, `PROTOCOL` — see `fetchCertificate`.
 */
export async function certificateFromKeyserver(
  url: string,
  search: KeySearch,
  searchText: string,
  http: HttpGetOptions,
): Promise<string> {
  const base = hkpBaseUrl(url);
  const where = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const term = hkpSearchTerm(search);
  const index = await httpGet(hkpLookupUrl(base, 'index', term), http);
  if (index.status === 404) {
    throw new ProviderError('KEY_NOT_FOUND', `no key matching "${searchText}" at ${where}`);
  }
  if (index.status === 501) {
    // A server without op=index: fetch what it matches and choose here.
    const answer = await httpGet(hkpLookupUrl(base, 'get', term), http);
    if (answer.status === 404) {
      throw new ProviderError('KEY_NOT_FOUND', `no key matching "${searchText}" at ${where}`);
    }
    if (!isSuccess(answer)) throw statusError(answer, where);
    const keys = await readCertificates(answer.body, `the answer of ${where}`, 'PROTOCOL');
    const matching = keys.filter((key) => keyMatchesSearch(key, search));
    const candidates = await candidatesOfKeys(matching.length > 0 ? matching : keys);
    return exactlyOne(candidates, searchText, where).key.toPublic().armor();
  }
  if (!isSuccess(index)) throw statusError(index, where);
  let entries: HkpIndexEntry[];
  try {
    entries = parseHkpIndex(new TextDecoder().decode(index.body));
  } catch (error) {
    if (isProviderError(error)) {
      throw new ProviderError('PROTOCOL', `the keyserver ${where}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  const matching = entries.filter((entry) => indexEntryMatchesSearch(entry, search));
  const { entry } = exactlyOne(matching.map(candidateOfEntry), searchText, where);
  return getOne(base, entry, searchText, where, http);
}
