import {
  ProviderError,
  ecdsaP1363ToDer,
  formatAlgorithm,
  resolveSignParameters,
  type CallDeadline,
  type SignRequest,
  type SignResult,
} from '@keyroute/core';
import { rejectWith, toProviderError } from '../errors.js';
import type { TokenKey } from '../objects/token-keys.js';
import {
  findReadyTokenKey,
  requirePrivateKey,
  resolveTokenKey,
  sameKeyIn,
  type OperationContext,
} from './context.js';
import { signatureLength } from './curves.js';
import { planSignature } from './sign-mechanism.js';

function unsupported(context: OperationContext, message: string, key: string): ProviderError {
  return new ProviderError('UNSUPPORTED', message, { provider: context.provider, key });
}

/**
 * Signs on the token: finds the key (cached catalog), checks the request against the key and
 * the token's mechanisms, then `C_SignInit` + `C_SignAsync` on a pooled, logged-in session.
 * ECDSA comes back as r‖s and is converted to DER when asked.
 *
 * Written for the hot path: when the token is scanned and a session is idle, everything up to
 * the native call is synchronous and the only promise is the token's.
 *
 * @throws ProviderError `KEY_NOT_FOUND`, `UNSUPPORTED` (format other than raw, scheme or hash the
 *   token lacks, public-only key), `DENIED` (`CKA_SIGN` false), `INVALID_INPUT`, `LOCKED`,
 *   `BAD_SECRET`, `UNAVAILABLE` (token gone and not found again).
 */
export function signOnToken(
  context: OperationContext,
  request: SignRequest,
  deadline: CallDeadline,
): Promise<SignResult> {
  try {
    const ready = findReadyTokenKey(context, request.key);
    if (ready !== undefined) return signWithKey(context, ready, request, deadline);
  } catch (error) {
    return rejectWith(error);
  }
  return resolveTokenKey(context, request.key, deadline.signal).then((key) =>
    signWithKey(context, key, request, deadline),
  );
}

function signWithKey(
  context: OperationContext,
  key: TokenKey,
  request: SignRequest,
  deadline: CallDeadline,
): Promise<SignResult> {
  const { provider, pkcs11 } = context;
  const id = key.info.id;
  let prepared: ReturnType<typeof prepare>;
  try {
    prepared = prepare(context, key, request);
  } catch (error) {
    return rejectWith(error);
  }
  const { parameters, plan, length } = prepared;
  return context.binding.run(
    (session, catalog) => {
      const handle = requirePrivateKey(sameKeyIn(catalog, id, provider), provider, 'sign');
      pkcs11.C_SignInit(session, plan.mechanism, handle);
      // Buffer.alloc, not allocUnsafe: the signature is returned as a view, and a pooled slab
      // would expose other buffers' bytes through its `.buffer`.
      return pkcs11.C_SignAsync(session, plan.input, Buffer.alloc(length));
    },
    deadline,
    {
      ok: (raw): SignResult => ({
        signature:
          parameters.scheme === 'ecdsa' && parameters.signatureEncoding === 'der'
            ? ecdsaP1363ToDer(raw)
            : new Uint8Array(raw.buffer, raw.byteOffset, raw.length),
        key: { id, provider },
        scheme: parameters.scheme,
        ...(parameters.hash === undefined ? {} : { hash: parameters.hash }),
        format: 'raw',
      }),
      fail: (error: unknown): never => {
        if (deadline.stopped) throw deadline.reason;
        throw toProviderError(error, {
          provider,
          operation: `sign with key "${id}"`,
          key: request.key,
        });
      },
    },
  );
}

/** Checks the request against the key and the token; chooses mechanism, input and length. */
function prepare(context: OperationContext, key: TokenKey, request: SignRequest) {
  const id = key.info.id;
  requirePrivateKey(key, context.provider, 'sign');
  const format = request.format ?? 'raw';
  if (format !== 'raw') {
    throw unsupported(
      context,
      `a PKCS#11 token makes raw signatures only; wrap them as ${format} client-side`,
      request.key,
    );
  }
  const parameters = resolveSignParameters(key.info.algorithm, request);
  const capability = context.capabilities.sign.find(
    (candidate) =>
      candidate.scheme === parameters.scheme &&
      candidate.algorithms.includes(key.info.algorithm.kind),
  );
  if (capability === undefined) {
    throw unsupported(
      context,
      `token ${context.binding.token.label} has no mechanism for ${parameters.scheme} with ${formatAlgorithm(key.info.algorithm)} keys`,
      request.key,
    );
  }
  if (
    parameters.hash !== undefined &&
    parameters.scheme !== 'eddsa' &&
    !capability.hashes.includes(parameters.hash)
  ) {
    throw unsupported(
      context,
      `${parameters.scheme} on a PKCS#11 token takes ${capability.hashes.join(', ')}; not ${parameters.hash}`,
      request.key,
    );
  }
  if (!key.info.usages.includes('sign')) {
    throw new ProviderError('DENIED', `key "${id}" may not sign (CKA_SIGN is false)`, {
      provider: context.provider,
      key: request.key,
    });
  }
  return {
    parameters,
    plan: planSignature(parameters),
    length: signatureLength(key.info.algorithm),
  };
}
