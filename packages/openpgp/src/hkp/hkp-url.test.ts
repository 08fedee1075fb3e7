import { hasErrorCode } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { hkpBaseUrl, hkpLookupUrl } from './hkp-url.js';

function error(run: () => unknown): unknown {
  try {
    run();
  } catch (caught) {
    return caught;
  }
  throw new Error('expected an error');
}

describe('HKP URLs', () => {
  it('maps hkp: to http on port 11371 and hkps: to https', () => {
    expect(hkpBaseUrl('hkp://keys.example').href).toBe('http://keys.example:11371/');
    expect(hkpBaseUrl('hkp://keys.example:8080').href).toBe('http://keys.example:8080/');
    expect(hkpBaseUrl('hkps://keys.example').href).toBe('https://keys.example/');
    expect(hkpBaseUrl('http://127.0.0.1:1234/prefix/').href).toBe('http://127.0.0.1:1234/prefix/');
  });

  it('refuses other schemes, garbage and credentials', () => {
    for (const bad of ['ftp://keys.example', 'not a url', 'https://user:pw@keys.example']) {
      expect(
        hasErrorCode(
          error(() => hkpBaseUrl(bad)),
          'INVALID_INPUT',
        ),
        bad,
      ).toBe(true);
    }
    expect(
      (error(() => hkpBaseUrl('https://user:hunter2@keys.example')) as Error).message,
    ).not.toContain('hunter2');
  });

  it('builds machine-readable lookups under a path prefix', () => {
    const url = hkpLookupUrl(hkpBaseUrl('http://127.0.0.1:1234/prefix/'), 'index', 'a b@x');
    expect(url.pathname).toBe('/prefix/pks/lookup');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      op: 'index',
      options: 'mr',
      search: 'a b@x',
    });
  });
});
