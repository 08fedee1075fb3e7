import type { Pkcs11ObjectType, Pkcs11Uri, Pkcs11Version } from './types.js';

/** What a matcher needs of a PKCS #11 module (`CK_INFO`), strings trimmed of their padding. */
export interface ModuleDescription {
  /** `CK_INFO.manufacturerID`. */
  readonly manufacturer: string;
  /** `CK_INFO.libraryDescription`. */
  readonly description: string;
  /** `CK_INFO.libraryVersion`. */
  readonly version: Pkcs11Version;
}

/** What a matcher needs of a slot (`CK_SLOT_INFO` and its id), strings trimmed of padding. */
export interface SlotDescription {
  /** The `CK_SLOT_ID`. */
  readonly id: number;
  /** `CK_SLOT_INFO.manufacturerID`. */
  readonly manufacturer: string;
  /** `CK_SLOT_INFO.slotDescription`. */
  readonly description: string;
}

/** What a matcher needs of a token (`CK_TOKEN_INFO`), strings trimmed of their padding. */
export interface TokenDescription {
  /** `CK_TOKEN_INFO.label`. */
  readonly label: string;
  /** `CK_TOKEN_INFO.manufacturerID`. */
  readonly manufacturer: string;
  /** `CK_TOKEN_INFO.model`. */
  readonly model: string;
  /** `CK_TOKEN_INFO.serialNumber`. */
  readonly serial: string;
}

/** What a matcher needs of an object: its `CKA_LABEL`, `CKA_ID` and class. */
export interface ObjectDescription {
  /** `CKA_LABEL`, when the object has one. */
  readonly label?: string;
  /** `CKA_ID`, when the object has one. */
  readonly id?: Uint8Array;
  /** The object class. */
  readonly type: Pkcs11ObjectType;
}

/*
 * Every matcher follows RFC 7512 §2.5 ("PKCS #11 URI Matching Guidelines"): an absent attribute
 * matches anything, a present one must be equal (strings compared exactly, code unit for code
 * unit; `id` byte for byte; an empty value matches only an empty field). A URI with any
 * vendor-specific path attribute matches nothing, since these matchers do not know what such an
 * attribute means and the RFC forbids matching a resource on attributes the consumer does not
 * understand. Vendor query attributes do not take part in matching.
 */

/** Whether `value` is absent (a wildcard) or equals `actual`. */
function textMatches(value: string | undefined, actual: string | undefined): boolean {
  return value === undefined || value === actual;
}

function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  return left.every((byte, index) => byte === right[index]);
}

/**
 * Whether `module` matches the URI's `library-manufacturer`, `library-description` and
 * `library-version`. False for any URI with vendor-specific path attributes.
 */
export function matchesModule(uri: Pkcs11Uri, module: ModuleDescription): boolean {
  if (uri.vendorPath.length > 0) return false;
  const version = uri.libraryVersion;
  return (
    textMatches(uri.libraryManufacturer, module.manufacturer) &&
    textMatches(uri.libraryDescription, module.description) &&
    (version === undefined ||
      (version.major === module.version.major && version.minor === module.version.minor))
  );
}

/**
 * Whether `slot` matches the URI's `slot-id`, `slot-manufacturer` and `slot-description`.
 * False for any URI with vendor-specific path attributes.
 */
export function matchesSlot(uri: Pkcs11Uri, slot: SlotDescription): boolean {
  if (uri.vendorPath.length > 0) return false;
  return (
    (uri.slotId === undefined || uri.slotId === slot.id) &&
    textMatches(uri.slotManufacturer, slot.manufacturer) &&
    textMatches(uri.slotDescription, slot.description)
  );
}

/**
 * Whether `token` matches the URI's `token` (label), `manufacturer`, `model` and `serial`.
 * False for any URI with vendor-specific path attributes.
 */
export function matchesToken(uri: Pkcs11Uri, token: TokenDescription): boolean {
  if (uri.vendorPath.length > 0) return false;
  return (
    textMatches(uri.token, token.label) &&
    textMatches(uri.manufacturer, token.manufacturer) &&
    textMatches(uri.model, token.model) &&
    textMatches(uri.serial, token.serial)
  );
}

/**
 * Whether `object` matches the URI's `object` (label), `type` and `id`. An object without a
 * label (or id) does not match a URI that names one. False for any URI with vendor-specific
 * path attributes.
 */
export function matchesObject(uri: Pkcs11Uri, object: ObjectDescription): boolean {
  if (uri.vendorPath.length > 0) return false;
  return (
    textMatches(uri.object, object.label) &&
    (uri.type === undefined || uri.type === object.type) &&
    (uri.id === undefined || (object.id !== undefined && bytesEqual(uri.id, object.id)))
  );
}

/** True when the URI has any object attribute (`object`, `type`, `id`). */
export function hasObjectAttributes(uri: Pkcs11Uri): boolean {
  return uri.object !== undefined || uri.type !== undefined || uri.id !== undefined;
}

/** True when the URI has any token-identifying attribute (`token`, `manufacturer`, `serial`, `model`). */
export function hasTokenAttributes(uri: Pkcs11Uri): boolean {
  return (
    uri.token !== undefined ||
    uri.manufacturer !== undefined ||
    uri.serial !== undefined ||
    uri.model !== undefined
  );
}
