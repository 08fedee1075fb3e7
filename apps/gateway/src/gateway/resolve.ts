import type { KeyInfo, Provider } from '@keyroute/core';
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
  const { provider, key } = await state.router.resolve(routed, { signal });
  return { provider, key, gatewayId: gatewayKeyId(key.provider, key.id) };
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
  if (!isAllowed(app, 'list', identity) && op !== 'list') {
    throw new HttpProblem(403, 'DENIED', `app "${app.name}" may not ${op} with this key`);
  }
  if (op === 'list') throw new HttpProblem(404, 'KEY_NOT_FOUND', 'no key matches this reference');
  throw new HttpProblem(403, 'DENIED', `app "${app.name}" may not ${op} with key "${identity.id}"`);
}
