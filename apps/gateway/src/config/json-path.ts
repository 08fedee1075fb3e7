import { ProviderError } from '@keyroute/core';

/** How the whole document is named in messages, where a path would be empty. */
const ROOT = '(root)';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The JSON path of `key` inside the object at `parent` (`''` for the root): `listen.http`,
 * `providers[1].homedir`, or `apps[0]["odd key"]` for a key that is not an identifier.
 */
export function keyPath(parent: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** The JSON path of element `index` of the array at `parent`: `providers[1]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/**
 * The error for an invalid config value: `INVALID_INPUT` with the message
 * `<path>: <detail>`. Callers never put a value into `detail` that could be a secret.
 */
export function invalidConfig(path: string, detail: string): ProviderError {
  return new ProviderError('INVALID_INPUT', `${path === '' ? ROOT : path}: ${detail}`);
}
