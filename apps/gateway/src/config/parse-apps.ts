import { isOp, OPS, type Op } from '../auth/acl.js';
import { indexPath, invalidConfig, keyPath } from './json-path.js';
import {
  field,
  readArray,
  readObject,
  readString,
  rejectUnknownKeys,
  requireKey,
} from './json-values.js';
import type { AllowRule, AppSpec } from './types.js';

const APP_KEYS = ['name', 'token', 'allow'] as const;
const TOKEN_KEYS = ['sha256'] as const;
const RULE_KEYS = ['keys', 'ops'] as const;

/** Longest application name: names go into audit lines and messages. */
const MAX_APP_NAME_LENGTH = 64;

/** A SHA-256 in hex, either case. */
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Reads `apps`: a list of `{ name, token: { sha256 }, allow?: [{ keys, ops }] }`. A missing
 * `allow` allows nothing. Hashes come out in lower case; ops without duplicates.
 *
 * @throws ProviderError `INVALID_INPUT` naming the JSON path for: an unknown key; a missing,
 *   empty, over-long or duplicate `name`; a `token` that is not `{ sha256 }` with 64 hex
 *   digits, or the hash of another app's token; a rule without `keys` (a list of non-empty
 *   globs) or `ops` (a non-empty list of known ops). Messages never show a token or a hash.
 */
export function parseApps(value: unknown, path: string): AppSpec[] {
  const firstIndexByName = new Map<string, number>();
  const firstIndexByHash = new Map<string, number>();
  return readArray(value, path).map((entry, index) => {
    const entryPath = indexPath(path, index);
    const app = parseApp(entry, entryPath);
    const sameName = firstIndexByName.get(app.name);
    if (sameName !== undefined) {
      throw invalidConfig(
        keyPath(entryPath, 'name'),
        `duplicate app name ${JSON.stringify(app.name)} (also ${indexPath(path, sameName)})`,
      );
    }
    const sameHash = firstIndexByHash.get(app.tokenSha256);
    if (sameHash !== undefined) {
      throw invalidConfig(
        keyPath(keyPath(entryPath, 'token'), 'sha256'),
        `the same token hash as ${indexPath(path, sameHash)}: every app needs its own token`,
      );
    }
    firstIndexByName.set(app.name, index);
    firstIndexByHash.set(app.tokenSha256, index);
    return app;
  });
}

function parseApp(value: unknown, path: string): AppSpec {
  const entry = readObject(value, path);
  rejectUnknownKeys(entry, path, APP_KEYS);
  const name = readAppName(requireKey(entry, path, 'name'), keyPath(path, 'name'));
  const tokenSha256 = readTokenHash(requireKey(entry, path, 'token'), keyPath(path, 'token'));
  const allowValue = field(entry, 'allow');
  const allowPath = keyPath(path, 'allow');
  const allow =
    allowValue === undefined
      ? []
      : readArray(allowValue, allowPath).map((rule, index) =>
          parseRule(rule, indexPath(allowPath, index)),
        );
  return { name, tokenSha256, allow };
}

function readAppName(value: unknown, path: string): string {
  const name = readString(value, path);
  if (name.length > MAX_APP_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    throw invalidConfig(
      path,
      `must be at most ${MAX_APP_NAME_LENGTH} characters without control characters`,
    );
  }
  return name;
}

function readTokenHash(value: unknown, path: string): string {
  if (typeof value === 'string') {
    // Maybe the token itself: never show it.
    throw invalidConfig(
      path,
      'must be {"sha256": hex}, the SHA-256 of the token, not the token itself',
    );
  }
  const token = readObject(value, path);
  rejectUnknownKeys(token, path, TOKEN_KEYS);
  const hashPath = keyPath(path, 'sha256');
  const hash = requireKey(token, path, 'sha256');
  if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) {
    throw invalidConfig(hashPath, 'must be a SHA-256 in hex: 64 digits 0-9, a-f');
  }
  return hash.toLowerCase();
}

function parseRule(value: unknown, path: string): AllowRule {
  const rule = readObject(value, path);
  rejectUnknownKeys(rule, path, RULE_KEYS);
  const keysPath = keyPath(path, 'keys');
  const keys = readArray(requireKey(rule, path, 'keys'), keysPath).map((glob, index) =>
    readString(glob, indexPath(keysPath, index)),
  );
  const opsPath = keyPath(path, 'ops');
  const opsValue = readArray(requireKey(rule, path, 'ops'), opsPath);
  if (opsValue.length === 0) {
    throw invalidConfig(opsPath, `must list at least one of ${OPS.join(', ')}`);
  }
  const ops: Op[] = [];
  opsValue.forEach((op, index) => {
    if (!isOp(op)) {
      const shown = typeof op === 'string' ? `${JSON.stringify(op.slice(0, 40))} ` : '';
      throw invalidConfig(
        indexPath(opsPath, index),
        `${shown}is not an op; known: ${OPS.join(', ')}`,
      );
    }
    if (!ops.includes(op)) ops.push(op);
  });
  return { keys, ops };
}
