import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { isProviderError, ProviderError } from '@keyroute/core';

import { findJsonSyntaxError, lineAndColumn } from './json-syntax.js';
import { parseGatewayConfig } from './parse-config.js';
import type { GatewayConfig } from './types.js';

/** What a failed read of the config file means, by `errno` code. */
const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
};

/**
 * Reads the JSON config file at `path` (resolved against the working directory) and parses it
 * with {@link parseGatewayConfig}: relative paths in it start at the file's folder, and
 * {@link GatewayConfig.source} is its absolute path.
 *
 * @param env environment for `~` in paths; default `process.env`.
 * @throws ProviderError `INVALID_INPUT` for a file that cannot be read (`config file
 *   /etc/keyroute.json: no such file`), text that is not JSON
 *   (`/etc/keyroute.json:3:7: invalid JSON: unexpected character "}"; expected a value`), or
 *   an invalid config (`/etc/keyroute.json: providers[1].homdir: unknown key; known: …`).
 */
export async function loadGatewayConfig(
  path: string,
  env?: NodeJS.ProcessEnv,
): Promise<GatewayConfig> {
  const source = resolve(path);
  const text = await readConfigText(source);
  const json = parseJson(text, source);
  try {
    return parseGatewayConfig(json, {
      baseDir: dirname(source),
      source,
      ...(env === undefined ? {} : { env }),
    });
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw new ProviderError(error.code, `${source}: ${error.message}`, { cause: error });
  }
}

async function readConfigText(source: string): Promise<string> {
  try {
    const text = await readFile(source, 'utf8');
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = READ_FAILURES[code] ?? `cannot be read (${code === '' ? String(error) : code})`;
    throw new ProviderError('INVALID_INPUT', `config file ${source}: ${reason}`, {
      cause: error,
    });
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const syntax = findJsonSyntaxError(text) ?? { offset: 0, reason: 'not valid JSON' };
    const { line, column } = lineAndColumn(text, syntax.offset);
    // The cause is left out: V8's message may quote the text.
    throw new ProviderError(
      'INVALID_INPUT',
      `${source}:${line}:${column}: invalid JSON: ${syntax.reason}`,
    );
  }
}
