import { invalidConfig, keyPath } from './json-path.js';
import { describeType, field, rejectUnknownKeys, type JsonObject } from './json-values.js';
import { readPath, type PathContext } from './resolve-path.js';
import type { SecretRef } from './types.js';

/** The keys of a secret reference: exactly one of them. */
const SECRET_REF_KEYS = ['env', 'file'] as const;

/** What an environment variable's name may look like. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const SHAPE = 'must be {"env": NAME} or {"file": path}';

/**
 * Reads a PIN or passphrase reference, `{ "env": NAME }` or `{ "file": path }` (the path
 * resolved like other config paths). Messages never show the value found, since a secret
 * written literally in its place must not end up in logs.
 *
 * @throws ProviderError `INVALID_INPUT` naming `path` for a literal or anything but an object
 *   with exactly one of `env` (a variable name) and `file` (a path).
 */
export function parseSecretRef(value: unknown, path: string, context: PathContext): SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const literal =
      typeof value === 'string' || typeof value === 'number'
        ? '; secrets are never written in the config itself'
        : '';
    throw invalidConfig(path, `${SHAPE}; got ${describeType(value)}${literal}`);
  }
  const object = value as JsonObject;
  rejectUnknownKeys(object, path, SECRET_REF_KEYS);
  const env = field(object, 'env');
  const file = field(object, 'file');
  if (env !== undefined && file !== undefined) {
    throw invalidConfig(path, `${SHAPE}: give "env" or "file", not both`);
  }
  if (env !== undefined) {
    if (typeof env !== 'string' || !ENV_NAME.test(env)) {
      throw invalidConfig(
        keyPath(path, 'env'),
        'must be the name of an environment variable (letters, digits and "_", not starting with a digit)',
      );
    }
    return { env };
  }
  if (file !== undefined) return { file: readPath(file, keyPath(path, 'file'), context) };
  throw invalidConfig(path, `${SHAPE}; got an object with neither`);
}
