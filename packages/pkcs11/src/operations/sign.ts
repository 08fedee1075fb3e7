import {
  ProviderError,
  ecdsaP1363ToDer,
  formatAlgorithm,
  resolveSignParameters,
  type SignRequest,
  type SignResult,
} from '@keyroute/core';
import { toProviderError } from '../errors.js';
import { requirePrivateKey, resolveTokenKey, sameKeyIn, type OperationContext } from './context.js';
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
 * @throws ProviderError `KEY_NOT_FOUND`, `UNSUPPORTED` (format other than raw, scheme or hash the
 *   token lacks, public-only key), `DENIED` (`CKA_SIGN` false), `INVALID_INPUT`, `LOCKED`,
 *   `BAD_SECRET`, `UNAVAILABLE` (token gone and not found again).
 */
export async function signOnToken(
  context: OperationContext,
  request: SignRequest,
  signal: AbortSignal | undefined,
): Promise<SignResult> {
  const { provider, pkcs11 } = context;
  const key = await resolveTokenKey(context, request.key, signal);
  const id = key.info.id;
  requirePrivateKey(key, provider, 'sign');
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
      provider,
      key: request.key,
    });
  }
  const plan = planSignature(parameters);
  const length = signatureLength(key.info.algorithm);
  let raw: Buffer;
  try {
    raw = await context.binding.run(async (session, catalog) => {
      const handle = requirePrivateKey(sameKeyIn(catalog.keys, id, provider), provider, 'sign');
      pkcs11.C_SignInit(session, plan.mechanism, handle);
      return pkcs11.C_SignAsync(session, plan.input, Buffer.alloc(length));
    }, signal);
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw toProviderError(error, {
      provider,
      operation: `sign with key "${id}"`,
      key: request.key,
    });
  }
  const signature =
    parameters.scheme === 'ecdsa' && parameters.signatureEncoding === 'der'
      ? ecdsaP1363ToDer(raw)
      : new Uint8Array(raw);
  return {
    signature,
    key: { id, provider },
    scheme: parameters.scheme,
    ...(parameters.hash === undefined ? {} : { hash: parameters.hash }),
    format: 'raw',
  };
}
