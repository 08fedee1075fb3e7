import {
  ProviderError,
  hasErrorCode,
  type KeyInfo,
  type Provider,
  type Router,
} from '@keyroute/core';
import { isAllowed, type Op } from '../auth/acl.js';
import type { AppSpec } from '../config/types.js';
import { HttpProblem } from '../http/problem.js';
import { aliasValues, gatewayKeyId } from './api-key.js';
import type { GatewayState } from './gateway-state.js';

/** A key reference resolved to the provider that holds it. */
export interface ResolvedGatewayKey {
  readonly provider: Provider;
  readonly key: KeyInfo;
  /** `<providerId>:<keyId>`. */
  readonly gatewayId: string;
  /**
   * The router the key was found through; operations go through it (with {@link routedId})
   * so that a failing backend is marked down and the router's deadline applies.
   */
  readonly router: Router;
  /** The key as the router names it: `<providerId>/<keyId>`. */
  readonly routedId: string;
}

/**
 * Resolves an API key reference: a gateway id (`softhsm:01`: the provider id, a colon, the
 * provider's key id) or any alias the router knows (fingerprint, keygrip, `pkcs11:` URI, …).
 */
export async function resolveGatewayKey(
  state: GatewayState,
  reference: string,
  signal: AbortSignal,
): Promise<ResolvedGatewayKey> {
  const colon = reference.indexOf(':');
  const providerId = colon > 0 ? reference.slice(0, colon) : '';
  const routed =
    state.providers.has(providerId) && !reference.startsWith('pkcs11:')
      ? `${providerId}/${reference.slice(colon + 1)}`
      : reference;
  try {
    const { provider, key } = await state.router.resolve(routed, { signal });
    return {
      provider,
      key,
      gatewayId: gatewayKeyId(key.provider, key.id),
      router: state.router,
      routedId: `${key.provider}/${key.id}`,
    };
  } catch (error) {
    // A key of a provider that is down is unavailable, not unknown.
    const status = state.router.status().find((candidate) => candidate.id === providerId);
    if (hasErrorCode(error, 'KEY_NOT_FOUND') && status !== undefined && status.state !== 'up') {
      throw new ProviderError(
        'UNAVAILABLE',
        `provider "${providerId}" is unavailable${status.lastError === undefined ? '' : `: ${status.lastError.message}`}`,
        { provider: providerId },
      );
    }
    if (hasErrorCode(error, 'KEY_NOT_FOUND')) {
      // The same words as for a key the app may not see (requireAllowed): no existence oracle.
      throw new HttpProblem(404, 'KEY_NOT_FOUND', 'no key matches this reference');
    }
    throw error;
  }
}

/** The identity ACL globs are matched against: the gateway id and every alias and label. */
export function identityOf(key: KeyInfo): { id: string; aliases: string[] } {
  return {
    id: gatewayKeyId(key.provider, key.id),
    aliases: [...aliasValues(key), ...(key.label === undefined ? [] : [key.label])],
  };
}

/**
 * Fails unless `app` may do `op` with the key: 404 when it may not even list the key (it cannot
 * see it), 403 when it sees the key but may not use it this way.
 */
export function requireAllowed(app: AppSpec, op: Op, key: KeyInfo): void {
  const identity = identityOf(key);
  if (isAllowed(app, op, identity)) return;
  // A key the app may not see is answered like a key that does not exist: no existence oracle.
  if (!isAllowed(app, 'list', identity)) {
    throw new HttpProblem(404, 'KEY_NOT_FOUND', 'no key matches this reference');
  }
  throw new HttpProblem(403, 'DENIED', `app "${app.name}" may not ${op} with key "${identity.id}"`);
}
