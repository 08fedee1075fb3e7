import { ProviderError } from '@keyroute/core';

/** The HKP operations keyroute uses. */
export type HkpOperation = 'index' | 'get';

/**
 * The base URL of an HKP server as an `http:`/`https:` URL: `hkp://host` means
 * `http://host:11371`, `hkps://host` means `https://host`. A path prefix is kept (a server
 * behind a reverse proxy). Pure.
 *
 * @throws ProviderError `INVALID_INPUT` for an unparseable URL or another scheme.
 */
export function hkpBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    // Not echoed: a malformed URL may still hold credentials.
    throw new ProviderError('INVALID_INPUT', 'the keyserver URL is not a valid URL', {
      cause: error,
    });
  }
  if (parsed.protocol === 'hkp:') {
    const port = parsed.port === '' ? '11371' : parsed.port;
    parsed = new URL(`http://${parsed.hostname}:${port}${parsed.pathname}`);
  } else if (parsed.protocol === 'hkps:') {
    parsed = new URL(`https://${parsed.host}${parsed.pathname}`);
  } else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ProviderError(
      'INVALID_INPUT',
      `a keyserver URL must be http:, https:, hkp: or hkps:, not ${parsed.protocol}`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ProviderError('INVALID_INPUT', 'a keyserver URL must not hold credentials');
  }
  return parsed;
}

/** `<base>/pks/lookup?op=<op>&options=mr&search=<search>`. Pure. */
export function hkpLookupUrl(base: URL, op: HkpOperation, search: string): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${prefix}/pks/lookup`, base);
  url.searchParams.set('op', op);
  url.searchParams.set('options', 'mr');
  url.searchParams.set('search', search);
  return url;
}
