/** What a request asks for, decided from method and path alone. */
export type Route =
  | { readonly kind: 'health' }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'openapi' }
  | { readonly kind: 'providers' }
  | { readonly kind: 'capabilities' }
  | { readonly kind: 'keys' }
  | { readonly kind: 'key'; readonly ref: string }
  | { readonly kind: 'certificates' }
  | {
      readonly kind: 'operation';
      readonly ref: string;
      readonly op: 'sign' | 'verify' | 'decrypt' | 'encrypt';
    }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' };

const OPERATIONS = new Set(['sign', 'verify', 'decrypt', 'encrypt']);

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Matches the gateway's routes; the key reference is URL-decoded (it may contain `/` as %2F). */
export function matchRoute(method: string, pathname: string): Route {
  const get = (route: Route): Route =>
    method === 'GET' || method === 'HEAD' ? route : { kind: 'method-not-allowed', allow: 'GET' };
  switch (pathname) {
    case '/healthz':
      return get({ kind: 'health' });
    case '/metrics':
      return get({ kind: 'metrics' });
    case '/openapi.json':
      return get({ kind: 'openapi' });
    case '/v1/providers':
      return get({ kind: 'providers' });
    case '/v1/capabilities':
      return get({ kind: 'capabilities' });
    case '/v1/keys':
      return get({ kind: 'keys' });
    case '/v1/certificates':
      return get({ kind: 'certificates' });
    default:
      break;
  }
  const parts = pathname.split('/');
  if (parts.length === 4 && parts[1] === 'v1' && parts[2] === 'keys') {
    const ref = decode(parts[3] ?? '');
    return ref === undefined || ref === '' ? { kind: 'not-found' } : get({ kind: 'key', ref });
  }
  if (
    parts.length === 5 &&
    parts[1] === 'v1' &&
    parts[2] === 'keys' &&
    OPERATIONS.has(parts[4] ?? '')
  ) {
    const ref = decode(parts[3] ?? '');
    if (ref === undefined || ref === '') return { kind: 'not-found' };
    if (method !== 'POST') return { kind: 'method-not-allowed', allow: 'POST' };
    return { kind: 'operation', ref, op: parts[4] as 'sign' | 'verify' | 'decrypt' | 'encrypt' };
  }
  return { kind: 'not-found' };
}
