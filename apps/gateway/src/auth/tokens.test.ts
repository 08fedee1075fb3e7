import { createHash } from 'node:crypto';
import * as crypto from 'node:crypto';

import { describe, expect, it, vi } from 'vitest';

import type { AppSpec } from '../config/types.js';
import { bearerToken, findApp, hashToken, newToken, TOKEN_PREFIX } from './tokens.js';

vi.mock('node:crypto', { spy: true });

function appFor(name: string, token: string): AppSpec {
  return { name, tokenSha256: hashToken(token), allow: [] };
}

describe('newToken', () => {
  it('mints kr_ and 32 random bytes in base64url', () => {
    const token = newToken();
    expect(token).toMatch(/^kr_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(token.slice(3), 'base64url')).toHaveLength(32);
  });

  it('never repeats', () => {
    const tokens = new Set(Array.from({ length: 200 }, newToken));
    expect(tokens.size).toBe(200);
  });
});

describe('hashToken', () => {
  it('is the lower-case hex SHA-256 of the UTF-8 token', () => {
    expect(hashToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hashToken('é')).toBe(
      createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'),
    );
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer kr_abc', 'kr_abc'],
    ['bearer kr_abc', 'kr_abc'],
    ['BEARER\tkr_abc  ', 'kr_abc'],
    ['Bearer abc+/=', 'abc+/='],
    ['Bearer a.b~c-d_e', 'a.b~c-d_e'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    [undefined],
    [''],
    ['kr_abc'],
    ['Bearer'],
    ['Bearer '],
    ['Basic a3JfYWJj'],
    ['Bearerkr_abc'],
    ['Bearer kr_abc extra'],
    ['Bearer kr_a=bc'],
    ['Bearer kr_"abc"'],
    ['Bearer kr_abc\n'],
    [' Bearer kr_abc'],
    [`Bearer ${'a'.repeat(600)}`],
  ])('refuses %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

describe('findApp', () => {
  const tokens = [newToken(), newToken(), newToken()];
  const apps = tokens.map((token, index) => appFor(`app${index}`, token));

  it('finds the app of each token', () => {
    tokens.forEach((token, index) => {
      expect(findApp(apps, `Bearer ${token}`)).toBe(apps[index]);
    });
  });

  it('accepts hashes in upper case too', () => {
    const upper = apps.map((app) => ({ ...app, tokenSha256: app.tokenSha256.toUpperCase() }));
    expect(findApp(upper, `bearer ${tokens[1] ?? ''}`)).toBe(upper[1]);
  });

  it('finds nothing for a missing header, another scheme, garbage or an unknown token', () => {
    for (const header of [
      undefined,
      '',
      tokens[0],
      `Basic ${tokens[0] ?? ''}`,
      `Token ${tokens[0] ?? ''}`,
      'Bearer',
      'Bearer \u0000',
      '\u00ff\u00fe garbage',
      `Bearer ${newToken()}`,
      `Bearer ${(tokens[0] ?? '').slice(0, -1)}`,
      `Bearer ${hashToken(tokens[0] ?? '')}`,
    ]) {
      expect(findApp(apps, header)).toBeUndefined();
    }
    expect(findApp([], `Bearer ${tokens[0] ?? ''}`)).toBeUndefined();
  });

  it('skips apps whose configured hash is malformed', () => {
    const broken: AppSpec = { name: 'broken', tokenSha256: 'zz', allow: [] };
    expect(findApp([broken, ...apps], `Bearer ${tokens[2] ?? ''}`)).toBe(apps[2]);
    expect(findApp([broken], 'Bearer zz')).toBeUndefined();
  });

  it('hashes once and compares against every app without stopping at a match', () => {
    const many = [
      ...apps,
      ...Array.from({ length: 5 }, (_, index) => appFor(`x${index}`, newToken())),
    ];
    const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
    const createHashSpy = vi.mocked(crypto.createHash);
    for (const header of [`Bearer ${tokens[0] ?? ''}`, `Bearer ${newToken()}`]) {
      timingSafeEqual.mockClear();
      createHashSpy.mockClear();
      findApp(many, header);
      expect(timingSafeEqual).toHaveBeenCalledTimes(many.length);
      expect(createHashSpy).toHaveBeenCalledTimes(1);
    }
  });

  it('returns the first app when two share a hash', () => {
    const token = newToken();
    const first = appFor('first', token);
    const second = appFor('second', token);
    expect(findApp([first, second], `Bearer ${token}`)).toBe(first);
  });
});
