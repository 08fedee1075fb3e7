/**
 * The PKCS#11 (v2.40 / v3.0) constants keyroute uses, as plain numbers, so that pure code
 * (mechanism tables, attribute decoding, error mapping) never loads the native module.
 * Values are from the OASIS `pkcs11t.h`; pkcs11js exports the same numbers (it lacks the
 * EdDSA ones, which PKCS#11 3.0 added).
 */

/** Object classes (`CKA_CLASS`). */
export const CKO = {
  DATA: 0x0,
  CERTIFICATE: 0x1,
  PUBLIC_KEY: 0x2,
  PRIVATE_KEY: 0x3,
  SECRET_KEY: 0x4,
} as const;

/** Key types (`CKA_KEY_TYPE`). */
export const CKK = {
  RSA: 0x0,
  EC: 0x3,
  GENERIC_SECRET: 0x10,
  EC_EDWARDS: 0x40,
  EC_MONTGOMERY: 0x41,
} as const;

/** Certificate types (`CKA_CERTIFICATE_TYPE`). */
export const CKC_X_509 = 0x0;

/** Attribute types. */
export const CKA = {
  CLASS: 0x0,
  TOKEN: 0x1,
  PRIVATE: 0x2,
  LABEL: 0x3,
  VALUE: 0x11,
  CERTIFICATE_TYPE: 0x80,
  KEY_TYPE: 0x100,
  ID: 0x102,
  SENSITIVE: 0x103,
  DECRYPT: 0x105,
  SIGN: 0x108,
  DERIVE: 0x10c,
  MODULUS: 0x120,
  PUBLIC_EXPONENT: 0x122,
  VALUE_LEN: 0x161,
  EXTRACTABLE: 0x162,
  EC_PARAMS: 0x180,
  EC_POINT: 0x181,
  ALWAYS_AUTHENTICATE: 0x202,
} as const;

/** Mechanisms. */
export const CKM = {
  RSA_PKCS: 0x1,
  RSA_X_509: 0x3,
  RSA_PKCS_OAEP: 0x9,
  RSA_PKCS_PSS: 0xd,
  SHA_1: 0x220,
  SHA256: 0x250,
  SHA224: 0x255,
  SHA384: 0x260,
  SHA512: 0x270,
  ECDSA: 0x1041,
  ECDH1_DERIVE: 0x1050,
  EDDSA: 0x1057,
} as const;

/** MGF1 variants for PSS and OAEP parameters. */
export const CKG = {
  MGF1_SHA1: 0x1,
  MGF1_SHA256: 0x2,
  MGF1_SHA384: 0x3,
  MGF1_SHA512: 0x4,
  MGF1_SHA224: 0x5,
} as const;

/** Flags. */
export const CKF = {
  /** `CK_C_INITIALIZE_ARGS.flags`: the module may use the OS's locking primitives. */
  OS_LOCKING_OK: 0x2,
  /** `C_OpenSession` flags. */
  RW_SESSION: 0x2,
  SERIAL_SESSION: 0x4,
  /** `CK_SLOT_INFO.flags`. */
  TOKEN_PRESENT: 0x1,
  /** `CK_TOKEN_INFO.flags`. */
  LOGIN_REQUIRED: 0x4,
  USER_PIN_INITIALIZED: 0x8,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  TOKEN_INITIALIZED: 0x400,
  USER_PIN_COUNT_LOW: 0x10000,
  USER_PIN_FINAL_TRY: 0x20000,
  USER_PIN_LOCKED: 0x40000,
  /** `CK_MECHANISM_INFO.flags`. */
  MECHANISM_ENCRYPT: 0x100,
  MECHANISM_DECRYPT: 0x200,
  MECHANISM_SIGN: 0x800,
  MECHANISM_VERIFY: 0x2000,
  MECHANISM_DERIVE: 0x80000,
} as const;

/** User types of `C_Login`. */
export const CKU_USER = 1;

/** `CKZ_DATA_SPECIFIED`: the OAEP label source (pkcs11js does not export it). */
export const CKZ_DATA_SPECIFIED = 1;

/** `CKD_NULL`: ECDH without a key derivation function (the raw shared secret). */
export const CKD_NULL = 1;

/** pkcs11js parameter-structure tags (`CK_PARAMS_*`), not PKCS#11 values. */
export const CK_PARAMS = {
  RSA_OAEP: 4,
  RSA_PSS: 5,
  EC_DH: 6,
} as const;
