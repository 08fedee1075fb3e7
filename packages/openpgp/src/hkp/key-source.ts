import { ProviderError } from '@keyroute/core';
import { certificateFromFile } from './from-file.js';
import { certificateFromKeyserver } from './from-keyserver.js';
import { parseKeySearch } from './search.js';

/** Where {@link fetchCertificate} looks: exactly one of `url` and `file`. */
export interface KeySourceOptions {
  /** Base URL of an HKP server (`https://keys.example`, `hkps://…`, `hkp://…`). */
  readonly url?: string;
  /** A key file (armored or binary), which may hold several certificates. */
  readonly file?: string;
  /** Largest answer or file accepted, in bytes; 1 MiB by default. */
  readonly maxBytes?: number;
  /** The caller's signal: an abort rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Time limit of each HTTP request, in milliseconds; 10 s by default. */
  readonly timeoutMs?: number;
}

/** {@link KeySourceOptions.maxBytes} by default: 1 MiB. */
export const DEFAULT_MAX_SOURCE_BYTES = 1024 * 1024;
/** {@link KeySourceOptions.timeoutMs} by default: 10 s. */
export const DEFAULT_SOURCE_TIMEOUT_MS = 10_000;

/**
 * Fetches the certificate matching `search` — an e-mail address, a fingerprint or a long key
 * id — from an HKP server (`op=index` to find the candidates, `op=get` to fetch exactly one) or
 * reads it from a file (which may hold several certificates: those matching `search` are the
 * candidates). Only the public part of a key is ever returned.
 *
 * @returns the armored certificate of the one match.
 * @throws ProviderError `INVALID_INPUT` when the search matches several keys (each fingerprint
 *   and its user IDs are listed), for a bad search or source, or an answer or file larger than
 *   `maxBytes`; `KEY_NOT_FOUND` when nothing matches; `UNAVAILABLE` when the server cannot be
 *   reached or the file read; `TIMEOUT` after `timeoutMs`; `PROTOCOL` for an answer that is not
 *   what HKP allows; `signal.reason` when the caller aborts.
 */
export async function fetchCertificate(search: string, source: KeySourceOptions): Promise<string> {
  source.signal?.throwIfAborted();
  const parsed = parseKeySearch(search);
  const maxBytes = source.maxBytes ?? DEFAULT_MAX_SOURCE_BYTES;
  if ((source.url === undefined) === (source.file === undefined)) {
    throw new ProviderError('INVALID_INPUT', 'give a key source as exactly one of url and file');
  }
  if (source.file !== undefined) {
    return certificateFromFile(source.file, parsed, search.trim(), maxBytes);
  }
  return certificateFromKeyserver(source.url ?? '', parsed, search.trim(), {
    maxBytes,
    timeoutMs: source.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
    ...(source.signal === undefined ? {} : { signal: source.signal }),
  });
}
