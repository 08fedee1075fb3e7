import {
  ProviderError,
  isProviderError,
  type DecryptRequest,
  type DecryptResult,
} from '@keyroute/core';
import { toProviderError, errorCodeOfReturnValue } from '../errors.js';
import { CK_PARAMS, CKA, CKD_NULL, CKK, CKM, CKO } from '../native/constants.js';
import { pkcs11FailureOf } from '../native/pkcs11-error.js';
import { requirePrivateKey, resolveTokenKey, sameKeyIn, type OperationContext } from './context.js';
import { fieldBytes, signatureLength } from './curves.js';
import { peerPointFor } from './peer-point.js';
import { passThrough } from '../token/token-binding.js';
import type { ECDH1 } from 'pkcs11js';
import { PKCS1V15_DECRYPT, planOaepDecrypt, type RsaDecryptPlan } from './rsa-decrypt-plan.js';

function unsupported(context: OperationContext, message: string, key: string): ProviderError {
  return new ProviderError('UNSUPPORTED', message, { provider: context.provider, key });
}

/** One message for every way a ciphertext can fail to decrypt (no padding oracle). */
function undecryptable(context: OperationContext, key: string, cause: unknown): ProviderError {
  return new ProviderError('INVALID_INPUT', 'the ciphertext does not decrypt with this key', {
    provider: context.provider,
    key,
    cause,
  });
}

function capabilityOf(context: OperationContext, scheme: DecryptRequest['scheme']) {
  return context.capabilities.decrypt.find((candidate) => candidate.scheme === scheme);
}

/**
 * Decrypts on the token: RSA-OAEP (`CKM_RSA_PKCS_OAEP`, with the hashes the module takes), RSA
 * PKCS#1 v1.5 only when enabled, and ECDH (`CKM_ECDH1_DERIVE` without KDF into a session
 * object, whose value is read and which is destroyed at once) returning the shared secret.
 * Every failure of the ciphertext itself is the same `INVALID_INPUT`.
 */
export async function decryptOnToken(
  context: OperationContext,
  request: DecryptRequest,
  signal: AbortSignal | undefined,
): Promise<DecryptResult> {
  const { provider, pkcs11 } = context;
  const key = await resolveTokenKey(context, request.key, signal);
  const id = key.info.id;
  const algorithm = key.info.algorithm;
  requirePrivateKey(key, provider, 'decrypt');
  const capability = capabilityOf(context, request.scheme);
  if (capability === undefined || !capability.algorithms.includes(algorithm.kind)) {
    const why =
      request.scheme === 'rsa-pkcs1v15' && !context.allowPkcs1v15Decrypt
        ? 'RSA PKCS#1 v1.5 decryption is off (padding-oracle risk); enable allowPkcs1v15Decrypt to use it'
        : `this token cannot do ${request.scheme} with ${algorithm.kind} keys`;
    throw unsupported(context, why, request.key);
  }
  if (!key.info.usages.includes('decrypt')) {
    throw new ProviderError(
      'DENIED',
      `key "${id}" may not decrypt (CKA_DECRYPT/CKA_DERIVE false)`,
      {
        provider,
        key: request.key,
      },
    );
  }
  const run = <T>(work: (session: Buffer, handle: Buffer) => Promise<T>): Promise<T> =>
    context.binding.run(
      async (session, catalog) => {
        const handle = requirePrivateKey(sameKeyIn(catalog, id, provider), provider, 'decrypt');
        return work(session, handle);
      },
      signal === undefined ? undefined : { signal },
      passThrough<T>(),
    );
  const fail = (error: unknown): never => {
    if (signal?.aborted === true) throw signal.reason;
    const failure = pkcs11FailureOf(error) ?? pkcs11FailureOf((error as { cause?: unknown }).cause);
    if (failure !== undefined && errorCodeOfReturnValue(failure.code) === 'INVALID_INPUT') {
      throw undecryptable(context, request.key, error);
    }
    throw toProviderError(error, {
      provider,
      operation: `decrypt with key "${id}"`,
      key: request.key,
    });
  };

  switch (request.scheme) {
    case 'rsa-oaep':
    case 'rsa-pkcs1v15': {
      if (algorithm.kind !== 'rsa')
        throw unsupported(context, `${request.scheme} needs an RSA key`, request.key);
      const length = signatureLength(algorithm);
      if (request.ciphertext.length !== length) {
        throw undecryptable(context, request.key, undefined);
      }
      let plan: RsaDecryptPlan = PKCS1V15_DECRYPT;
      if (request.scheme === 'rsa-oaep') {
        try {
          plan = planOaepDecrypt(
            context.rsaDecrypt,
            request.hash ?? 'sha256',
            request.label,
            length,
          );
        } catch (error) {
          throw isProviderError(error)
            ? new ProviderError(error.code, error.message, { provider, key: request.key })
            : error;
        }
      }
      try {
        const plaintext = await run(async (session, handle) => {
          pkcs11.C_DecryptInit(session, plan.mechanism, handle);
          return pkcs11.C_DecryptAsync(
            session,
            Buffer.from(request.ciphertext),
            Buffer.alloc(length),
          );
        });
        return {
          scheme: request.scheme,
          key: { id, provider },
          plaintext: plan.decode(new Uint8Array(plaintext)),
        };
      } catch (error) {
        return fail(error);
      }
    }
    case 'ecdh': {
      if (algorithm.kind !== 'ec')
        throw unsupported(context, 'ECDH on a PKCS#11 token needs an EC key', request.key);
      const point = peerPointFor(algorithm.curve, request.peerPublicKey);
      const size = fieldBytes(algorithm.curve);
      const ecdhParameter: ECDH1 = { type: CK_PARAMS.EC_DH, kdf: CKD_NULL, publicData: point };
      try {
        const sharedSecret = await run(async (session, handle) => {
          const secret = await pkcs11.C_DeriveKeyAsync(
            session,
            {
              mechanism: CKM.ECDH1_DERIVE,
              parameter: ecdhParameter,
            },
            handle,
            [
              { type: CKA.CLASS, value: CKO.SECRET_KEY },
              { type: CKA.KEY_TYPE, value: CKK.GENERIC_SECRET },
              { type: CKA.TOKEN, value: false },
              { type: CKA.SENSITIVE, value: false },
              { type: CKA.EXTRACTABLE, value: true },
              { type: CKA.VALUE_LEN, value: size },
            ],
          );
          try {
            const [attribute] = pkcs11.C_GetAttributeValue(session, secret, [{ type: CKA.VALUE }]);
            const value = attribute?.value;
            if (!Buffer.isBuffer(value) || value.length !== size) {
              throw new ProviderError(
                'PROTOCOL',
                `the token returned a shared secret of the wrong size`,
                { provider },
              );
            }
            return new Uint8Array(value);
          } finally {
            try {
              pkcs11.C_DestroyObject(session, secret);
            } catch {
              // A session object also disappears when its session closes.
            }
          }
        });
        return { scheme: 'ecdh', key: { id, provider }, sharedSecret };
      } catch (error) {
        return fail(error);
      }
    }
    case 'openpgp':
      throw unsupported(
        context,
        'a PKCS#11 token does not decrypt OpenPGP messages; use the openpgp or gpg-agent provider',
        request.key,
      );
    default:
      throw new ProviderError(
        'UNSUPPORTED',
        `unknown decryption scheme ${String((request as { scheme: unknown }).scheme)}`,
        { provider },
      );
  }
}
