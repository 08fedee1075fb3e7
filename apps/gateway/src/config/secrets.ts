import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

import { ProviderError, secretFromEnv, type SecretSource } from '@keyroute/core';

import type { SecretRef } from './types.js';

/** Largest secret file read: PINs and passphrases are short; anything bigger is a mistake. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Permission bits for the group and others. */
const GROUP_OTHER_BITS = 0o077;

/**
 * The {@link SecretSource} of a provider's `pin`/`passphrase`/`secret` reference, or
 * `undefined` without one. Nothing is read now, and nothing is kept: every request reads again.
 *
 * - `{ env: NAME }`: the variable's value in `env` (default `process.env`) at request time;
 *   `undefined` (so `LOCKED`) when it is not set.
 * - `{ file: path }`: the file's content as UTF-8 at request time, without one trailing
 *   newline (`\n` or `\r\n`). The file must be a regular file of at most 64 KiB that neither
 *   its group nor others may access (`chmod 600`); otherwise the request fails with
 *   `INVALID_INPUT` (`UNAVAILABLE` when the file cannot be read). Messages name the file,
 *   never its content.
 */
export function secretSourceFor(
  ref: SecretRef | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SecretSource | undefined {
  if (ref === undefined) return undefined;
  if ('env' in ref) return secretFromEnv(ref.env, env);
  const { file } = ref;
  return async (_request, options) => {
    options.signal?.throwIfAborted();
    return readSecretFile(file, options.signal);
  };
}

/**
 * Reads a secret file through one descriptor, so that the checked file is the one read.
 *
 * @throws ProviderError `INVALID_INPUT` for a file group or others may access, that is not a
 *   regular file, or that is too big; `UNAVAILABLE` when it cannot be opened or read.
 */
export async function readSecretFile(path: string, signal?: AbortSignal): Promise<string> {
  // O_NONBLOCK: opening a FIFO planted in its place must not hang; regular files ignore it.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (error: unknown) => {
      throw unreadable(path, error);
    },
  );
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new ProviderError('INVALID_INPUT', `secret file ${path} is not a regular file`);
    }
    if ((stats.mode & GROUP_OTHER_BITS) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
      throw new ProviderError(
        'INVALID_INPUT',
        `secret file ${path} has mode ${mode}: its group or others may access it; ` +
          `it holds a secret, so restrict it to its owner (chmod 600 ${path})`,
      );
    }
    if (stats.size > MAX_SECRET_FILE_BYTES) {
      throw new ProviderError(
        'INVALID_INPUT',
        `secret file ${path} is ${stats.size} bytes; a PIN or passphrase file is at most ` +
          `${MAX_SECRET_FILE_BYTES}`,
      );
    }
    let text: string;
    try {
      text = await handle.readFile(
        signal === undefined ? { encoding: 'utf8' } : { encoding: 'utf8', signal },
      );
    } catch (error) {
      signal?.throwIfAborted();
      throw unreadable(path, error);
    }
    return withoutTrailingNewline(text);
  } finally {
    await handle.close();
  }
}

/** `text` without one trailing `\n` or `\r\n`. */
function withoutTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

function unreadable(path: string, error: unknown): ProviderError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new ProviderError('UNAVAILABLE', `cannot read secret file ${path} (${code})`, {
    cause: error,
  });
}
