/**
 * Software cryptography with node:crypto: verify and encrypt for every provider from a public
 * key, sign and decrypt for providers that hold a private `KeyObject`. No native modules, no
 * child processes.
 */
export {
  resolveSignParameters,
  type ResolvedSignParameters,
  type SignParametersRequest,
} from './sign-parameters.js';
export { verifySignature, type VerifySignatureRequest } from './verify.js';
export { signWithPrivateKey } from './sign.js';
export {
  encryptToPublicKey,
  type EncryptToPublicKeyRequest,
  type EncryptToPublicKeyResult,
} from './encrypt.js';
export {
  decryptWithPrivateKey,
  type DecryptWithPrivateKeyRequest,
  type DecryptWithPrivateKeyResult,
} from './decrypt.js';
export { encodeDigestInfo } from './digest-info.js';
export { decodeOaep } from './oaep-decode.js';
export { ecdsaDerToP1363, ecdsaP1363ToDer } from './ecdsa-encoding.js';
// signEcdsaDigest (bigint, not constant-time) stays internal: signWithPrivateKey documents its use.
export { verifyEcdsaDigest } from './ecdsa-digest.js';
