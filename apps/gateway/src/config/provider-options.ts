import { HASH_ALGORITHMS } from '@keyroute/core';
import { parsePkcs11Uri, type Pkcs11Uri } from '@keyroute/pkcs11/uri';

import { indexPath, invalidConfig, keyPath } from './json-path.js';
import { MAX_TIMER_MS, readArray, readBoolean, readInteger, readString } from './json-values.js';
import { readPath, type PathContext } from './resolve-path.js';
import type { ProviderType } from './types.js';

/** How one provider option is checked and normalised. */
type OptionKind =
  /** A path, resolved against the config's folder. */
  | 'path'
  /** An absolute path (the PKCS #11 module). */
  | 'absolutePath'
  /** An RFC 7512 `pkcs11:` URI without a PIN in it. */
  | 'pkcs11Uri'
  /** A count of at least 1. */
  | 'count'
  /** A size in bytes, at least 1. */
  | 'bytes'
  /** A duration in ms where 0 means "never" or "off". */
  | 'durationMs'
  /** A time limit in ms, at least 1. */
  | 'timeoutMs'
  | 'boolean'
  /** A non-empty list of hash names from `HASH_ALGORITHMS`. */
  | 'hashes';

/**
 * The options each provider type takes in a config entry, besides `id`, `type` and the secret,
 * in the order messages list them. They are the adapters' own option names.
 */
export const PROVIDER_OPTION_KINDS: Readonly<
  Record<ProviderType, Readonly<Record<string, OptionKind>>>
> = {
  'gpg-agent': {
    homedir: 'path',
    socket: 'path',
    poolSize: 'count',
    timeoutMs: 'timeoutMs',
    launch: 'boolean',
    allowPkcs1v15Decrypt: 'boolean',
    keyCacheMs: 'durationMs',
  },
  pkcs11: {
    module: 'absolutePath',
    token: 'pkcs11Uri',
    poolSize: 'count',
    timeoutMs: 'timeoutMs',
    rescanIntervalMs: 'durationMs',
    oaepHashes: 'hashes',
    allowPkcs1v15Decrypt: 'boolean',
  },
  openpgp: {
    dir: 'path',
    unlockTtlMs: 'durationMs',
    timeoutMs: 'timeoutMs',
    maxDecryptedBytes: 'bytes',
  },
};

/** The option names a provider entry of `type` may carry (not `id`, `type` nor the secret). */
export function providerOptionNames(type: ProviderType): string[] {
  return Object.keys(PROVIDER_OPTION_KINDS[type]);
}

/**
 * Checks the provider option at `path` and returns it normalised (paths absolute).
 *
 * @throws ProviderError `INVALID_INPUT` naming `path` when the value does not fit the option.
 */
export function readProviderOption(
  type: ProviderType,
  name: string,
  value: unknown,
  path: string,
  context: PathContext,
): unknown {
  const kind = PROVIDER_OPTION_KINDS[type][name];
  switch (kind) {
    case 'path':
      return readPath(value, path, context);
    case 'absolutePath':
      return readPath(value, path, context, true);
    case 'pkcs11Uri':
      return readPkcs11Uri(value, path);
    case 'count':
    case 'bytes':
      return readInteger(value, path, 1);
    case 'durationMs':
      return readInteger(value, path, 0, MAX_TIMER_MS);
    case 'timeoutMs':
      return readInteger(value, path, 1, MAX_TIMER_MS);
    case 'boolean':
      return readBoolean(value, path);
    case 'hashes':
      return readHashes(value, path);
    default:
      throw new Error(`no option "${name}" for provider type ${type}`);
  }
}

function readPkcs11Uri(value: unknown, path: string): string {
  const text = readString(value, path);
  const uri = parseUriAt(text, path);
  if (uri.pinValue !== undefined || uri.pinSource !== undefined) {
    throw invalidConfig(
      path,
      'must not carry pin-value or pin-source; give the PIN as "pin": {"env": NAME} or {"file": path}',
    );
  }
  return text;
}

function parseUriAt(text: string, path: string): Pkcs11Uri {
  try {
    return parsePkcs11Uri(text);
  } catch (error) {
    // parsePkcs11Uri's messages quote the URI with any pin-value redacted.
    throw invalidConfig(path, error instanceof Error ? error.message : 'invalid PKCS #11 URI');
  }
}

function readHashes(value: unknown, path: string): string[] {
  const list = readArray(value, path);
  if (list.length === 0) throw invalidConfig(path, 'must list at least one hash');
  const known: readonly unknown[] = HASH_ALGORITHMS;
  const hashes: string[] = [];
  list.forEach((item, index) => {
    if (typeof item !== 'string' || !known.includes(item)) {
      throw invalidConfig(indexPath(path, index), `must be one of ${HASH_ALGORITHMS.join(', ')}`);
    }
    if (!hashes.includes(item)) hashes.push(item);
  });
  return hashes;
}

/**
 * Checks what a provider of `type` cannot do without: an openpgp `dir`; a pkcs11 `module`
 * unless its `token` URI names one (`module-path`, `module-name`).
 *
 * @throws ProviderError `INVALID_INPUT` naming `path` (the provider entry).
 */
export function checkRequiredOptions(
  type: ProviderType,
  options: Readonly<Record<string, unknown>>,
  path: string,
): void {
  if (type === 'openpgp' && options['dir'] === undefined) {
    throw invalidConfig(keyPath(path, 'dir'), 'is required: the keystore folder');
  }
  if (type === 'pkcs11' && options['module'] === undefined) {
    const token = options['token'];
    const uri = typeof token === 'string' ? parsePkcs11Uri(token) : undefined;
    if (uri?.modulePath === undefined && uri?.moduleName === undefined) {
      throw invalidConfig(
        keyPath(path, 'module'),
        'is required: the absolute path of the PKCS #11 module (or module-path in the token URI)',
      );
    }
  }
}
