/**
 * The standard path attributes of RFC 7512 §2.3, in the canonical order this module writes
 * them: module, then slot, then token, then object.
 */
export const PKCS11_PATH_ATTRIBUTE_NAMES = [
  'library-manufacturer',
  'library-description',
  'library-version',
  'slot-manufacturer',
  'slot-description',
  'slot-id',
  'manufacturer',
  'model',
  'serial',
  'token',
  'object',
  'type',
  'id',
] as const;

/** The name of a standard path attribute. */
export type Pkcs11PathAttributeName = (typeof PKCS11_PATH_ATTRIBUTE_NAMES)[number];

/** The standard query attributes of RFC 7512 §2.3, in the order this module writes them. */
export const PKCS11_QUERY_ATTRIBUTE_NAMES = [
  'pin-source',
  'pin-value',
  'module-name',
  'module-path',
] as const;

/** The name of a standard query attribute. */
export type Pkcs11QueryAttributeName = (typeof PKCS11_QUERY_ATTRIBUTE_NAMES)[number];

const PATH_NAMES: ReadonlySet<string> = new Set(PKCS11_PATH_ATTRIBUTE_NAMES);
const QUERY_NAMES: ReadonlySet<string> = new Set(PKCS11_QUERY_ATTRIBUTE_NAMES);

/** Whether `name` is one of the standard path attribute names (case-sensitive). */
export function isPkcs11PathAttributeName(name: string): name is Pkcs11PathAttributeName {
  return PATH_NAMES.has(name);
}

/** Whether `name` is one of the standard query attribute names (case-sensitive). */
export function isPkcs11QueryAttributeName(name: string): name is Pkcs11QueryAttributeName {
  return QUERY_NAMES.has(name);
}

/** RFC 7512 `1*pk11-v-attr-nm-char`: letters, digits, `-` and `_`. */
const ATTRIBUTE_NAME_SYNTAX = /^[A-Za-z0-9_-]+$/;

/** The prefix this module requires of vendor-specific attribute names by default. */
export const PKCS11_VENDOR_ATTRIBUTE_PREFIX = 'x-';

/** Whether `name` has the syntax of an attribute name (`1*pk11-v-attr-nm-char`). */
export function hasPkcs11AttributeNameSyntax(name: string): boolean {
  return ATTRIBUTE_NAME_SYNTAX.test(name);
}

/**
 * Whether `name` can name a vendor-specific attribute: it has attribute-name syntax, is no
 * standard attribute name (path or query) and, when `requirePrefix` is true, is `x-` followed
 * by at least one more character.
 */
export function isPkcs11VendorAttributeName(name: string, requirePrefix: boolean): boolean {
  if (!hasPkcs11AttributeNameSyntax(name)) return false;
  if (isPkcs11PathAttributeName(name) || isPkcs11QueryAttributeName(name)) return false;
  if (!requirePrefix) return true;
  return (
    name.startsWith(PKCS11_VENDOR_ATTRIBUTE_PREFIX) &&
    name.length > PKCS11_VENDOR_ATTRIBUTE_PREFIX.length
  );
}
