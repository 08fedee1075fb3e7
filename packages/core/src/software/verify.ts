import type { CallOptions } from '../contract/call-options.js';
import { raceAbort } from '../util/abort.js';
import { ecdsaDerToP1363 } from './ecdsa-encoding.js';
import { verifyEcdsaDigest } from './ecdsa-digest.js';
import { invalidInput } from '../util/errors.js';
import { nodeVerify } from './node-signature.js';
import { ecPublicPoint, importPublicKey, type ImportedPublicKey } from './public-key.js';
import { verifyRsaPkcs1v15Digest, verifyRsaPssDigest } from './rsa-digest.js';
import {
  resolveSignParameters,
  type ResolvedSignParameters,
  type SignParametersRequest,
} from './sign-parameters.js';

/** What {@link verifySignature} checks: the signing fields of a `VerifyRequest` and the signature. */
export interface VerifySignatureRequest extends SignParametersRequest {
  readonly signature: Uint8Array;
}

/**
 * Checks a raw signature with a public key (DER SPKI), in software, for any scheme and input:
 *
 * - over `data`: node:crypto's asynchronous verify (PKCS #1 v1.5, PSS with MGF1 of the same hash
 *   and the given salt length, ECDSA in P1363 or DER, pure EdDSA);
 * - over `digest`: RSA through node's raw public-key operation plus EMSA-PKCS1-v1_5 or
 *   EMSA-PSS-VERIFY, ECDSA through bigint arithmetic (see `verifyEcdsaDigest`).
 *
 * Resolves `false` for a wrong, garbled or wrong-length signature; never throws for a bad
 * signature. Throws `INVALID_INPUT` for a malformed public key or a signature that is not a
 * `Uint8Array`, `UNSUPPORTED` for a key type outside the contract, and whatever
 * {@link resolveSignParameters} throws. An aborted `signal` rejects with `signal.reason`, before
 * any work or while node's verify is still running.
 */
export async function verifySignature(
  publicKey: Uint8Array,
  request: VerifySignatureRequest,
  options?: CallOptions,
): Promise<boolean> {
  const signal = options?.signal;
  signal?.throwIfAborted();
  const imported = importPublicKey(publicKey);
  const parameters = resolveSignParameters(imported.algorithm, request);
  const { signature } = request;
  if (!(signature instanceof Uint8Array)) throw invalidInput('the signature must be a Uint8Array');
  if (parameters.input.kind === 'data') {
    return raceAbort(
      nodeVerify(imported.key, parameters, parameters.input.data, signature),
      signal,
    );
  }
  return verifyDigest(imported, parameters, parameters.input.digest, signature);
}

function verifyDigest(
  { key, algorithm, spki }: ImportedPublicKey,
  parameters: ResolvedSignParameters,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const { hash } = parameters;
  // resolveSignParameters gives every digest a hash and refuses EdDSA digests.
  if (hash === undefined) return false;
  switch (algorithm.kind) {
    case 'rsa':
      return parameters.scheme === 'pss'
        ? verifyRsaPssDigest(
            key,
            algorithm.bits,
            hash,
            parameters.saltLength ?? 0,
            digest,
            signature,
          )
        : verifyRsaPkcs1v15Digest(key, algorithm.bits, hash, digest, signature);
    case 'ec': {
      let p1363 = signature;
      if (parameters.signatureEncoding === 'der') {
        try {
          p1363 = ecdsaDerToP1363(signature, algorithm.curve);
        } catch {
          return false;
        }
      }
      return verifyEcdsaDigest(
        algorithm.curve,
        ecPublicPoint(spki, algorithm.curve),
        digest,
        p1363,
      );
    }
    default:
      return false;
  }
}
