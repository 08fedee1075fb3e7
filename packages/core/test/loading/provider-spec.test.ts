import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/contract/errors.js';
import { parseProviderUri } from '../../src/loading/provider-spec.js';

describe('parseProviderUri', () => {
  it('parses every accepted form', () => {
    expect(parseProviderUri('gpg-agent:')).toEqual({ type: 'gpg-agent' });
    expect(parseProviderUri('gpg-agent:/home/u/.gnupg')).toEqual({
      type: 'gpg-agent',
      homedir: '/home/u/.gnupg',
    });
    expect(parseProviderUri('gpg-agent:?socket=/run/a/S.gpg-agent')).toEqual({
      type: 'gpg-agent',
      socket: '/run/a/S.gpg-agent',
    });
    expect(
      parseProviderUri(
        'pkcs11:token=My%20Token;object=k?module-path=/usr/lib/softhsm/libsofthsm2.so',
      ),
    ).toEqual({
      type: 'pkcs11',
      token: 'pkcs11:token=My%20Token;object=k',
      module: '/usr/lib/softhsm/libsofthsm2.so',
    });
    expect(parseProviderUri('openpgp:/var/lib/keys')).toEqual({
      type: 'openpgp',
      dir: '/var/lib/keys',
    });
    expect(parseProviderUri('unix:/run/keyroute.sock')).toEqual({
      type: 'gateway',
      socket: '/run/keyroute.sock',
    });
    expect(parseProviderUri('http://127.0.0.1:8470')).toEqual({
      type: 'gateway',
      url: 'http://127.0.0.1:8470/',
    });
  });

  it('rejects what no adapter accepts, naming the accepted forms', () => {
    for (const bad of [
      'ftp://x',
      'openpgp:',
      'unix:relative.sock',
      'gpg-agent:?colour=red',
      'nonsense',
    ]) {
      let caught: unknown;
      try {
        parseProviderUri(bad);
      } catch (error) {
        caught = error;
      }
      expect(hasErrorCode(caught, 'INVALID_INPUT'), bad).toBe(true);
    }
    expect(() => parseProviderUri('ftp://x')).toThrow(/openpgp:\/dir/);
  });
});
