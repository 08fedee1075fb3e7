/**
 * The value of the `type` path attribute of RFC 7512 §2.3: the PKCS #11 object class
 * (`CKO_CERTIFICATE`, `CKO_DATA`, `CKO_PRIVATE_KEY`, `CKO_PUBLIC_KEY`, `CKO_SECRET_KEY`).
 */
export type Pkcs11ObjectType = 'cert' | 'data' | 'private' | 'public' | 'secret-key';

/** Every {@link Pkcs11ObjectType}, in the order of the RFC 7512 §2.3 grammar. */
export const PKCS11_OBJECT_TYPES: readonly Pkcs11ObjectType[] = [
  'public',
  'private',
  'cert',
  'secret-key',
  'data',
];

/**
 * A `CK_VERSION`: the `library-version` path attribute. Both parts are `CK_BYTE`s (0–255).
 *
 * `library-version=M.N` is read as `major = M`, `minor = N` (the decimal number written, so
 * `1.23` is minor 23 and `2.1` is minor 1); `library-version=M` is `M.0`.
 */
export interface Pkcs11Version {
  /** The major version, 0–255. */
  readonly major: number;
  /** The minor version, 0–255. */
  readonly minor: number;
}

/** One vendor-specific attribute of a PKCS #11 URI, with its value percent-decoded. */
export interface Pkcs11VendorAttribute {
  /** The attribute name as written, e.g. `x-vendor-flag`. */
  readonly name: string;
  /** The decoded (UTF-8) value; the empty string for `name=`. */
  readonly value: string;
}

/**
 * A parsed RFC 7512 PKCS #11 URI. Every standard attribute is optional: an absent attribute
 * matches anything. Text values are percent-decoded UTF-8 strings, `id` is the decoded bytes,
 * and an attribute written with an empty value (`token=`) is present as the empty string.
 */
export interface Pkcs11Uri {
  /** `token`: the token label (`CK_TOKEN_INFO.label`). */
  readonly token?: string;
  /** `manufacturer`: the token manufacturer (`CK_TOKEN_INFO.manufacturerID`). */
  readonly manufacturer?: string;
  /** `serial`: the token serial number (`CK_TOKEN_INFO.serialNumber`). */
  readonly serial?: string;
  /** `model`: the token model (`CK_TOKEN_INFO.model`). */
  readonly model?: string;
  /** `library-manufacturer`: the module manufacturer (`CK_INFO.manufacturerID`). */
  readonly libraryManufacturer?: string;
  /** `library-description`: the module description (`CK_INFO.libraryDescription`). */
  readonly libraryDescription?: string;
  /** `library-version`: the module version (`CK_INFO.libraryVersion`). */
  readonly libraryVersion?: Pkcs11Version;
  /** `slot-description`: the slot description (`CK_SLOT_INFO.slotDescription`). */
  readonly slotDescription?: string;
  /** `slot-manufacturer`: the slot manufacturer (`CK_SLOT_INFO.manufacturerID`). */
  readonly slotManufacturer?: string;
  /** `slot-id`: the `CK_SLOT_ID`, a non-negative safe integer. */
  readonly slotId?: number;
  /** `object`: the object label (`CKA_LABEL`). */
  readonly object?: string;
  /** `type`: the object class (`CKA_CLASS`). */
  readonly type?: Pkcs11ObjectType;
  /** `id`: the object identifier (`CKA_ID`), raw bytes. */
  readonly id?: Uint8Array;
  /** `pin-source` (query): where to read the PIN from, e.g. `file:/etc/token_pin`. */
  readonly pinSource?: string;
  /** `pin-value` (query): the PIN itself. A secret: never log it, see `redactPkcs11Uri`. */
  readonly pinValue?: string;
  /** `module-name` (query): the PKCS #11 module name, e.g. `softhsm2`. */
  readonly moduleName?: string;
  /** `module-path` (query): the PKCS #11 module file or directory. */
  readonly modulePath?: string;
  /** Vendor-specific path attributes (names starting with `x-`), in order of appearance. */
  readonly vendorPath: readonly Pkcs11VendorAttribute[];
  /** Vendor-specific query attributes (names starting with `x-`), in order of appearance. */
  readonly vendorQuery: readonly Pkcs11VendorAttribute[];
}
