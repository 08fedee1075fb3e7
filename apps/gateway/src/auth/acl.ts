import type { AppSpec } from '../config/types.js';

/** The operations an application may be allowed, in the order configs list them. */
export const OPS = ['list', 'sign', 'verify', 'decrypt', 'encrypt', 'admin'] as const;

/**
 * One operation of the access rules: `list` (see keys), `sign`, `verify`, `decrypt`,
 * `encrypt`, and `admin` (manage the gateway; only ever granted by a rule that names it).
 */
export type Op = (typeof OPS)[number];

/** The key an operation concerns: its gateway id (`softhsm:01`) and its other names. */
export interface KeyIdentity {
  /** Gateway key id, `<providerId>:<providerKeyId>`. */
  readonly id: string;
  /** Other names of the key (fingerprints, labels, …); a glob matching any of them matches. */
  readonly aliases: readonly string[];
}

/** True when `value` is one of {@link OPS}. */
export function isOp(value: unknown): value is Op {
  return (OPS as readonly unknown[]).includes(value);
}

/**
 * Compiles a key glob: `*` matches any run of characters (`:` included, the empty run too),
 * `?` exactly one character, everything else itself. Anchored at both ends and case-sensitive:
 * `softhsm:*` matches `softhsm:01` but not `SoftHSM:01` nor `xsofthsm:01`.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  // `s`: `.` also matches line breaks; `u`: `?` is one code point, not one UTF-16 unit.
  return new RegExp(`^${source}$`, 'su');
}

/** Compiled globs: configs hold few, and they are matched on every request. */
const compiledGlobs = new Map<string, RegExp>();

function globMatches(glob: string, name: string): boolean {
  let pattern = compiledGlobs.get(glob);
  if (pattern === undefined) {
    pattern = globToRegExp(glob);
    compiledGlobs.set(glob, pattern);
  }
  return pattern.test(name);
}

/** True when one of `globs` matches the key's id or one of its aliases. */
function matchesKey(globs: readonly string[], key: KeyIdentity): boolean {
  return globs.some(
    (glob) => globMatches(glob, key.id) || key.aliases.some((alias) => globMatches(glob, alias)),
  );
}

/**
 * Decides whether `app` may do `op`, on `key` when the operation concerns one. Deny by default:
 * allowed only when one of the app's rules lists `op` and either one of the rule's key globs
 * matches the key's id or one of its aliases, or no key is given and `op` is `list` (may the
 * app list at all; each listed key is then checked with its identity) or `admin` (gateway
 * administration, which concerns no key). `admin` is granted only by rules that list it:
 * no other op nor glob implies it. Without a key, `sign`, `verify`, `decrypt` and `encrypt`
 * are always denied.
 */
export function isAllowed(app: AppSpec, op: Op, key?: KeyIdentity): boolean {
  return app.allow.some((rule) => {
    if (!rule.ops.includes(op)) return false;
    if (key === undefined) return op === 'list' || op === 'admin';
    return matchesKey(rule.keys, key);
  });
}

/**
 * The operations `app` may do on `key`, in {@link OPS} order; empty when the app may not use
 * the key at all (a listing then leaves the key out).
 */
export function allowedOps(app: AppSpec, key: KeyIdentity): Op[] {
  return OPS.filter((op) => isAllowed(app, op, key));
}
