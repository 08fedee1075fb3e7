import type { HashAlgorithm } from '@keyroute/core';
import { CKG, CKM } from '../native/constants.js';

/** The `CKM_SHA*` hash and `CKG_MGF1_*` of each hash PSS and OAEP parameters can name. */
export const PKCS11_HASHES: Readonly<
  Partial<Record<HashAlgorithm, { hash: number; mgf: number }>>
> = {
  sha1: { hash: CKM.SHA_1, mgf: CKG.MGF1_SHA1 },
  sha224: { hash: CKM.SHA224, mgf: CKG.MGF1_SHA224 },
  sha256: { hash: CKM.SHA256, mgf: CKG.MGF1_SHA256 },
  sha384: { hash: CKM.SHA384, mgf: CKG.MGF1_SHA384 },
  sha512: { hash: CKM.SHA512, mgf: CKG.MGF1_SHA512 },
};

/** Hashes PSS and OAEP can use (those with a `CKM_SHA*` and `CKG_MGF1_*` pair). */
export const PARAMETER_HASHES = Object.keys(PKCS11_HASHES) as readonly HashAlgorithm[];
