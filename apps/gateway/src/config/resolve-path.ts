import { isAbsolute, join, resolve } from 'node:path';

import { invalidConfig } from './json-path.js';
import { readString } from './json-values.js';

/** What relative paths of a config are resolved against. */
export interface PathContext {
  /** Folder of the config file (or the working directory): relative paths start here. */
  readonly baseDir: string;
  /** Home folder that a leading `~/` stands for; `undefined` when unknown (`~` is then refused). */
  readonly home: string | undefined;
}

/**
 * The path string at `path` in the config, made absolute and normalised: `~` and `~/…` start at
 * the home folder, other relative paths at the base folder (`mustBeAbsolute` refuses them
 * instead, for the PKCS #11 `module`, which `dlopen` would otherwise look up in its own way).
 *
 * @throws ProviderError `INVALID_INPUT` naming `path` for a non-string, an empty string, a NUL
 *   byte, `~` without a known home, or a relative path where an absolute one is required.
 */
export function readPath(
  value: unknown,
  path: string,
  context: PathContext,
  mustBeAbsolute = false,
): string {
  const text = readString(value, path);
  if (text.includes('\0')) throw invalidConfig(path, 'must not contain a NUL character');
  let expanded = text;
  if (text === '~' || text.startsWith('~/')) {
    if (context.home === undefined) {
      throw invalidConfig(path, 'starts with "~" but HOME is not set; write an absolute path');
    }
    expanded = join(context.home, text.slice(1));
  }
  if (isAbsolute(expanded)) return resolve(expanded);
  if (mustBeAbsolute)
    throw invalidConfig(path, `must be an absolute path; got ${JSON.stringify(text)}`);
  return resolve(context.baseDir, expanded);
}
