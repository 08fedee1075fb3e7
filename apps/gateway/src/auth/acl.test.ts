import { describe, expect, it } from 'vitest';

import type { AppSpec } from '../config/types.js';
import {
  allowedOps,
  globToRegExp,
  isAllowed,
  isOp,
  OPS,
  type KeyIdentity,
  type Op,
} from './acl.js';

const HASH = '0'.repeat(64);

function app(allow: AppSpec['allow']): AppSpec {
  return { name: 'app', tokenSha256: HASH, allow };
}

const softhsm01: KeyIdentity = { id: 'softhsm:01', aliases: ['signing-key'] };
const softhsm02: KeyIdentity = { id: 'softhsm:02', aliases: [] };
const pgpKey: KeyIdentity = {
  id: 'pgp:8F3A1B2C3D4E5F60',
  aliases: ['8F3A1B2C3D4E5F6071829304A5B6C7D8E9F00112', 'alice@example.org'],
};

describe('globToRegExp', () => {
  it.each([
    ['softhsm:*', 'softhsm:01', true],
    ['softhsm:*', 'softhsm:', true],
    ['softhsm:*', 'xsofthsm:01', false],
    ['softhsm:*', 'SoftHSM:01', false],
    ['*', '', true],
    ['*', 'anything:at/all', true],
    ['*:01', 'softhsm:01', true],
    ['softhsm:0?', 'softhsm:01', true],
    ['softhsm:0?', 'softhsm:0', false],
    ['softhsm:0?', 'softhsm:012', false],
    ['?', 'é', true],
    ['?', '😀', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['a+(b)[c]{1}|^$\\/', 'a+(b)[c]{1}|^$\\/', true],
    ['pgp:8F3A*', 'pgp:8F3A1B', true],
    ['pgp:8F3A*', 'pgp:8f3a1b', false],
    ['a*b*c', 'a-x-b-y-c', true],
    ['a*b*c', 'a-x-c-y-b', false],
    ['line*', 'line\nbreak', true],
  ])('%j against %j: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});

describe('isOp', () => {
  it('knows the six ops and nothing else', () => {
    expect(OPS).toEqual(['list', 'sign', 'verify', 'decrypt', 'encrypt', 'admin']);
    for (const op of OPS) expect(isOp(op)).toBe(true);
    for (const other of ['LIST', '*', '', 'delete', 1, undefined]) expect(isOp(other)).toBe(false);
  });
});

describe('isAllowed', () => {
  it('denies everything to an app without rules', () => {
    const nobody = app([]);
    for (const op of OPS) {
      expect(isAllowed(nobody, op)).toBe(false);
      for (const key of [softhsm01, pgpKey]) expect(isAllowed(nobody, op, key)).toBe(false);
    }
  });

  it('allows the ops of a rule on the keys its globs match, and nothing else', () => {
    const signer = app([{ keys: ['softhsm:01'], ops: ['sign', 'verify'] }]);
    const matrix: [Op, KeyIdentity, boolean][] = [
      ['sign', softhsm01, true],
      ['verify', softhsm01, true],
      ['decrypt', softhsm01, false],
      ['encrypt', softhsm01, false],
      ['list', softhsm01, false],
      ['admin', softhsm01, false],
      ['sign', softhsm02, false],
      ['sign', pgpKey, false],
    ];
    for (const [op, key, expected] of matrix) {
      expect(isAllowed(signer, op, key), `${op} ${key.id}`).toBe(expected);
    }
  });

  it('matches globs against the key id and every alias', () => {
    const byAlias = app([
      { keys: ['signing-*'], ops: ['sign'] },
      { keys: ['*@example.org'], ops: ['decrypt'] },
      { keys: ['8F3A1B2C*'], ops: ['encrypt'] },
    ]);
    expect(isAllowed(byAlias, 'sign', softhsm01)).toBe(true);
    expect(isAllowed(byAlias, 'sign', softhsm02)).toBe(false);
    expect(isAllowed(byAlias, 'decrypt', pgpKey)).toBe(true);
    expect(isAllowed(byAlias, 'encrypt', pgpKey)).toBe(true);
    expect(isAllowed(byAlias, 'encrypt', softhsm01)).toBe(false);
  });

  it('combines rules: any matching rule allows', () => {
    const mixed = app([
      { keys: ['softhsm:*'], ops: ['list', 'verify'] },
      { keys: ['softhsm:02'], ops: ['sign'] },
    ]);
    expect(isAllowed(mixed, 'sign', softhsm02)).toBe(true);
    expect(isAllowed(mixed, 'sign', softhsm01)).toBe(false);
    expect(isAllowed(mixed, 'verify', softhsm01)).toBe(true);
    expect(isAllowed(mixed, 'list', softhsm02)).toBe(true);
    expect(isAllowed(mixed, 'list', pgpKey)).toBe(false);
  });

  it('allows list without a key when a rule lists it, whatever its globs', () => {
    expect(isAllowed(app([{ keys: ['softhsm:01'], ops: ['list'] }]), 'list')).toBe(true);
    expect(isAllowed(app([{ keys: [], ops: ['list'] }]), 'list')).toBe(true);
    expect(isAllowed(app([{ keys: ['*'], ops: ['sign'] }]), 'list')).toBe(false);
  });

  it('denies key operations without a key', () => {
    const all = app([{ keys: ['*'], ops: ['sign', 'verify', 'decrypt', 'encrypt'] }]);
    for (const op of ['sign', 'verify', 'decrypt', 'encrypt'] as const) {
      expect(isAllowed(all, op)).toBe(false);
    }
  });

  it('grants admin only to rules that name it', () => {
    const everythingElse = app([
      { keys: ['*'], ops: ['list', 'sign', 'verify', 'decrypt', 'encrypt'] },
    ]);
    expect(isAllowed(everythingElse, 'admin')).toBe(false);
    expect(isAllowed(everythingElse, 'admin', softhsm01)).toBe(false);

    const admin = app([{ keys: [], ops: ['admin'] }]);
    expect(isAllowed(admin, 'admin')).toBe(true);
    expect(isAllowed(admin, 'admin', softhsm01)).toBe(false);
    expect(isAllowed(admin, 'list')).toBe(false);
    expect(isAllowed(admin, 'sign', softhsm01)).toBe(false);

    const keyAdmin = app([{ keys: ['softhsm:*'], ops: ['admin'] }]);
    expect(isAllowed(keyAdmin, 'admin', softhsm01)).toBe(true);
    expect(isAllowed(keyAdmin, 'admin', pgpKey)).toBe(false);
  });

  it('compares ids case-sensitively', () => {
    const lower = app([{ keys: ['pgp:8f3a*'], ops: ['sign'] }]);
    expect(isAllowed(lower, 'sign', pgpKey)).toBe(false);
  });
});

describe('allowedOps', () => {
  it('lists what the app may do with a key, empty for keys it may not use', () => {
    const mixed = app([
      { keys: ['softhsm:*'], ops: ['verify', 'list'] },
      { keys: ['softhsm:01'], ops: ['sign'] },
      { keys: [], ops: ['admin'] },
    ]);
    expect(allowedOps(mixed, softhsm01)).toEqual(['list', 'sign', 'verify']);
    expect(allowedOps(mixed, softhsm02)).toEqual(['list', 'verify']);
    expect(allowedOps(mixed, pgpKey)).toEqual([]);
  });
});
