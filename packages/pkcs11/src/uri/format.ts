import { ProviderError } from '@keyroute/core';

import { isPkcs11VendorAttributeName } from './attributes.js';
import { containsLoneSurrogate, percentEncodeBytes, percentEncodeText } from './percent.js';
import type { Pkcs11UriComponent } from './percent.js';
import { PKCS11_OBJECT_TYPES } from './types.js';
import type { Pkcs11Uri, Pkcs11VendorAttribute, Pkcs11Version } from './types.js';

/** Options of {@link formatPkcs11Uri}. */
export interface FormatPkcs11UriOptions {
  /** Write the query component (`?pin-source=…&module-path=…`). Default `true`. */
  readonly includeQuery?: boolean;
  /**
   * Leave `pin-value` out of the result, so the string is safe to log or store. Default `true`;
   * pass `false` only when the PIN is meant to travel with the URI.
   */
  readonly redactPin?: boolean;
}

/** The text put in place of a secret value by {@link redactPkcs11Uri}. */
export const REDACTED_VALUE = '***';

/**
 * Writes `uri` as an RFC 7512 PKCS #11 URI in canonical form: path attributes in the order
 * `library-manufacturer`, `library-description`, `library-version`, `slot-manufacturer`,
 * `slot-description`, `slot-id`, `manufacturer`, `model`, `serial`, `token`, `object`, `type`,
 * `id`, then the vendor path attributes in their order; query attributes in the order
 * `pin-source`, `pin-value`, `module-name`, `module-path`, then the vendor query attributes.
 *
 * Text values are UTF-8 and percent-encoded with upper-case hex, leaving only letters, digits,
 * `-._~` and `: [ ] @ ! $ ' ( ) * + , =` (plus `/ ? |` in the query) unencoded. `id` is written
 * as `%XX` for every byte. `library-version` is written `M.N`. No `?` is written when the query
 * is empty. `parsePkcs11Uri(formatPkcs11Uri(uri, { redactPin: false }))` deep-equals `uri` (for
 * vendor names without the `x-` prefix, parse with `acceptUnprefixedVendorAttributes`).
 *
 * @throws ProviderError `INVALID_INPUT` when `uri` cannot be written as a valid URI: a `slotId`
 *   that is not a non-negative safe integer, a `libraryVersion` part outside 0–255, an unknown
 *   `type`, a vendor name that is not `1*(ALPHA / DIGIT / "-" / "_")` or is a standard name, a
 *   vendor path name given twice, both `pinSource` and `pinValue` to write, or text with an
 *   unpaired surrogate. Messages name the attribute, never a PIN.
 */
export function formatPkcs11Uri(uri: Pkcs11Uri, options: FormatPkcs11UriOptions = {}): string {
  const includeQuery = options.includeQuery ?? true;
  const redactPin = options.redactPin ?? true;

  const path: string[] = [];
  const query: string[] = [];
  const addText = (name: string, value: string | undefined, component: Pkcs11UriComponent) => {
    if (value === undefined) return;
    if (containsLoneSurrogate(value)) {
      throw cannotFormat(`the value of "${name}" contains an unpaired UTF-16 surrogate`);
    }
    (component === 'path' ? path : query).push(`${name}=${percentEncodeText(value, component)}`);
  };

  addText('library-manufacturer', uri.libraryManufacturer, 'path');
  addText('library-description', uri.libraryDescription, 'path');
  if (uri.libraryVersion !== undefined) {
    path.push(`library-version=${formatVersion(uri.libraryVersion)}`);
  }
  addText('slot-manufacturer', uri.slotManufacturer, 'path');
  addText('slot-description', uri.slotDescription, 'path');
  if (uri.slotId !== undefined) path.push(`slot-id=${formatSlotId(uri.slotId)}`);
  addText('manufacturer', uri.manufacturer, 'path');
  addText('model', uri.model, 'path');
  addText('serial', uri.serial, 'path');
  addText('token', uri.token, 'path');
  addText('object', uri.object, 'path');
  if (uri.type !== undefined) {
    if (!PKCS11_OBJECT_TYPES.includes(uri.type)) {
      throw cannotFormat(`"type" must be one of ${PKCS11_OBJECT_TYPES.join(', ')}`);
    }
    path.push(`type=${uri.type}`);
  }
  if (uri.id !== undefined) path.push(`id=${percentEncodeBytes(uri.id)}`);
  const vendorPathNames = new Set<string>();
  for (const attribute of uri.vendorPath) {
    checkVendorName(attribute, 'path');
    if (vendorPathNames.has(attribute.name)) {
      throw cannotFormat(`the vendor path attribute "${attribute.name}" is given twice`);
    }
    vendorPathNames.add(attribute.name);
    addText(attribute.name, attribute.value, 'path');
  }

  if (includeQuery) {
    const pinValue = redactPin ? undefined : uri.pinValue;
    if (uri.pinSource !== undefined && pinValue !== undefined) {
      throw cannotFormat('"pin-source" and "pin-value" cannot both be given');
    }
    addText('pin-source', uri.pinSource, 'query');
    addText('pin-value', pinValue, 'query');
    addText('module-name', uri.moduleName, 'query');
    addText('module-path', uri.modulePath, 'query');
    for (const attribute of uri.vendorQuery) {
      checkVendorName(attribute, 'query');
      addText(attribute.name, attribute.value, 'query');
    }
  }

  const pathText = path.join(';');
  return query.length === 0 ? `pkcs11:${pathText}` : `pkcs11:${pathText}?${query.join('&')}`;
}

function formatVersion(version: Pkcs11Version): string {
  for (const part of [version.major, version.minor]) {
    if (!Number.isInteger(part) || part < 0 || part > 255) {
      throw cannotFormat('"library-version" parts must be integers from 0 to 255');
    }
  }
  return `${version.major}.${version.minor}`;
}

function formatSlotId(slotId: number): string {
  if (!Number.isSafeInteger(slotId) || slotId < 0) {
    throw cannotFormat('"slot-id" must be a non-negative safe integer');
  }
  return String(slotId);
}

function checkVendorName(attribute: Pkcs11VendorAttribute, component: Pkcs11UriComponent): void {
  if (!isPkcs11VendorAttributeName(attribute.name, false)) {
    throw cannotFormat(
      `${JSON.stringify(attribute.name)} is not a vendor-specific ${component} attribute name ` +
        '(letters, digits, "-" and "_", and not a standard attribute name)',
    );
  }
}

function cannotFormat(detail: string): ProviderError {
  return new ProviderError('INVALID_INPUT', `cannot format a PKCS #11 URI: ${detail}`);
}

/**
 * Replaces the value of every secret attribute in `text` with `***`, for logs and error
 * messages. Works on any string, parsable or not: `pin-value` in the path or the query, written
 * in any letter case, with surrounding white space or with percent-encoded name characters; and,
 * erring on the side of hiding, any attribute whose name contains `pin`, `pass` or `secret`
 * (such as a vendor `x-pin-value` or a misspelt `pin-valeu`), except `pin-source`, which names
 * where the PIN is, not the PIN. A value in the path runs to the next `;`, one in the query to
 * the next `&`, so a malformed secret is hidden whole rather than in part.
 */
export function redactPkcs11Uri(text: string): string {
  const queryStart = text.indexOf('?');
  const attributeStart = /(^|[:;?&])([^:;?&=]*)=/g;
  let redacted = '';
  let cursor = 0;
  for (let match = attributeStart.exec(text); match !== null; match = attributeStart.exec(text)) {
    if (!isSecretAttributeName(match[2] ?? '')) continue;
    const valueStart = match.index + match[0].length;
    const inPath = queryStart === -1 || match.index < queryStart;
    const delimiter = text.indexOf(inPath ? ';' : '&', valueStart);
    const valueEnd = delimiter === -1 ? text.length : delimiter;
    redacted += text.slice(cursor, valueStart) + REDACTED_VALUE;
    cursor = valueEnd;
    attributeStart.lastIndex = valueEnd;
  }
  return redacted + text.slice(cursor);
}

/**
 * @internal Whether {@link redactPkcs11Uri} hides the value of an attribute named `rawName`
 * (compared after percent-decoding, trimming and lower-casing).
 */
export function isSecretAttributeName(rawName: string): boolean {
  const name = rawName
    .replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    )
    .trim()
    .toLowerCase();
  return name !== 'pin-source' && /pin|pass|secret/.test(name);
}
