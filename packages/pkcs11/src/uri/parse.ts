import { ProviderError } from '@keyroute/core';

import {
  PKCS11_VENDOR_ATTRIBUTE_PREFIX,
  hasPkcs11AttributeNameSyntax,
  isPkcs11PathAttributeName,
  isPkcs11QueryAttributeName,
  isPkcs11VendorAttributeName,
} from './attributes.js';
import { isSecretAttributeName, redactPkcs11Uri } from './format.js';
import { describePercentProblem, tryDecodeUtf8, tryPercentDecode } from './percent.js';
import type { Pkcs11UriComponent } from './percent.js';
import { PKCS11_OBJECT_TYPES } from './types.js';
import type { Pkcs11ObjectType, Pkcs11Uri, Pkcs11VendorAttribute, Pkcs11Version } from './types.js';

/** Options of {@link parsePkcs11Uri}. */
export interface ParsePkcs11UriOptions {
  /**
   * Accept any attribute name that is not a standard one (`1*(ALPHA / DIGIT / "-" / "_")`) as a
   * vendor-specific attribute, as the RFC 7512 §2.3 grammar does, instead of requiring the `x-`
   * prefix. Default `false`: an unknown name without `x-` is refused, which catches misspelt
   * attributes (`objet=`, `pin-sorce=`) that would otherwise be silently kept as vendor ones.
   * Needed for the last example of RFC 7512 §3.3 (`vendor-aaa=value-a`).
   */
  readonly acceptUnprefixedVendorAttributes?: boolean;
}

const SCHEME = 'pkcs11:';
/** Longest part of the (redacted) URI quoted in an error message. */
const MAX_QUOTED_URI = 200;
/** Longest part of a (non-secret) value quoted in an error message. */
const MAX_QUOTED_VALUE = 40;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One `name=value` attribute of the URI, with where it is. */
interface RawAttribute {
  readonly name: string;
  readonly value: string;
  /** Offset of the attribute name in the URI. */
  readonly offset: number;
  /** Offset of the value in the URI. */
  readonly valueOffset: number;
  readonly component: Pkcs11UriComponent;
}

/**
 * Parses an RFC 7512 PKCS #11 URI (`pkcs11:token=My%20Token;object=signing?pin-source=…`).
 *
 * The scheme is case-insensitive; attribute names are case-sensitive (all standard names are
 * lower-case). Path attributes are separated by `;`, query attributes by `&`. `pkcs11:` alone
 * (empty path) is valid and matches everything; `token=` is the empty string. Values are
 * percent-decoded (hex digits in either case); text values must then be valid UTF-8, and `id`
 * is kept as bytes. Characters RFC 7512 requires to be encoded (space, `/` in the path, `&` in
 * the query, non-ASCII, …) must be. `library-version=M` is `M.0`; `M.N` is major `M`, minor `N`.
 *
 * @throws ProviderError `INVALID_INPUT` naming the attribute and its offset (0-based, in
 *   UTF-16 code units) for: a missing `pkcs11:` scheme; a fragment (`#`); an empty attribute or
 *   attribute name; a name that is not `1*(ALPHA / DIGIT / "-" / "_")`; an unknown attribute
 *   (vendor-specific names must start with `x-` unless `acceptUnprefixedVendorAttributes`); a
 *   query attribute in the path or the reverse; a path attribute (vendor ones included) or
 *   standard query attribute given twice; both `pin-source` and `pin-value`; a `type` other
 *   than `public`, `private`, `cert`, `secret-key`, `data`; a `slot-id` that is not a decimal
 *   non-negative safe integer; a `library-version` that is not `M` or `M.N` with parts from 0
 *   to 255; a malformed percent-escape or a character that must be encoded; text that is not
 *   UTF-8. The URI quoted in messages has its `pin-value` replaced by `***`, and no message
 *   contains any part of a `pin-value`.
 */
export function parsePkcs11Uri(text: string, options: ParsePkcs11UriOptions = {}): Pkcs11Uri {
  const fail = (detail: string): ProviderError => invalidUri(text, detail);
  if (text.slice(0, SCHEME.length).toLowerCase() !== SCHEME) {
    throw fail(`a PKCS #11 URI starts with "${SCHEME}"`);
  }
  const fragment = text.indexOf('#');
  if (fragment !== -1) {
    throw fail(
      `a fragment ("#" at offset ${fragment}) is not allowed; write "#" in a value as %23`,
    );
  }

  const queryMark = text.indexOf('?', SCHEME.length);
  const pathEnd = queryMark === -1 ? text.length : queryMark;
  const attributes = [
    ...splitAttributes(text, SCHEME.length, pathEnd, 'path', fail),
    ...(queryMark === -1 ? [] : splitAttributes(text, queryMark + 1, text.length, 'query', fail)),
  ];

  const requirePrefix = options.acceptUnprefixedVendorAttributes !== true;
  const vendorPath: Pkcs11VendorAttribute[] = [];
  const vendorQuery: Pkcs11VendorAttribute[] = [];
  const uri: Mutable<Pkcs11Uri> = { vendorPath, vendorQuery };
  const seen = new Map<string, number>();
  for (const attribute of attributes) {
    const { name, component, offset } = attribute;
    const standard =
      component === 'path' ? isPkcs11PathAttributeName(name) : isPkcs11QueryAttributeName(name);
    if (!standard) checkVendorName(attribute, requirePrefix, fail);
    if (standard || component === 'path') {
      const key = `${component}:${name}`;
      const first = seen.get(key);
      if (first !== undefined) {
        throw fail(
          `${component} attribute "${name}" at offset ${offset} is a duplicate (first at offset ${first})`,
        );
      }
      seen.set(key, offset);
    }
    const decoder = new AttributeDecoder(attribute, fail);
    if (!standard) {
      (component === 'path' ? vendorPath : vendorQuery).push({ name, value: decoder.text() });
      continue;
    }
    assignStandardAttribute(uri, decoder);
  }

  const pinSource = seen.get('query:pin-source');
  const pinValue = seen.get('query:pin-value');
  if (pinSource !== undefined && pinValue !== undefined) {
    throw fail(
      `"pin-source" (offset ${pinSource}) and "pin-value" (offset ${pinValue}) cannot both be ` +
        'given: use one',
    );
  }
  return uri;
}

/** Splits `text[start, end)` at the component's separator into `name=value` attributes. */
function splitAttributes(
  text: string,
  start: number,
  end: number,
  component: Pkcs11UriComponent,
  fail: (detail: string) => ProviderError,
): RawAttribute[] {
  if (start === end) return [];
  const separator = component === 'path' ? ';' : '&';
  const attributes: RawAttribute[] = [];
  let offset = start;
  for (const segment of text.slice(start, end).split(separator)) {
    const equals = segment.indexOf('=');
    if (segment === '') {
      throw fail(`empty ${component} attribute at offset ${offset} (a stray "${separator}")`);
    }
    if (equals === -1) {
      throw fail(`${component} attribute at offset ${offset} has no "=": write name=value`);
    }
    if (equals === 0) throw fail(`empty attribute name at offset ${offset}`);
    attributes.push({
      name: segment.slice(0, equals),
      value: segment.slice(equals + 1),
      offset,
      valueOffset: offset + equals + 1,
      component,
    });
    offset += segment.length + 1;
  }
  return attributes;
}

function checkVendorName(
  attribute: RawAttribute,
  requirePrefix: boolean,
  fail: (detail: string) => ProviderError,
): void {
  const { name, component, offset } = attribute;
  const where = `at offset ${offset}`;
  if (!hasPkcs11AttributeNameSyntax(name)) {
    throw fail(
      `invalid attribute name ${quote(name)} ${where}: names are letters, digits, "-" and "_"`,
    );
  }
  if (component === 'path' && isPkcs11QueryAttributeName(name)) {
    throw fail(`"${name}" ${where} is a query attribute: put it after "?"`);
  }
  if (component === 'query' && isPkcs11PathAttributeName(name)) {
    throw fail(`"${name}" ${where} is a path attribute: put it before "?"`);
  }
  if (isPkcs11VendorAttributeName(name, requirePrefix)) return;
  const lowerCase = name.toLowerCase();
  const hint =
    isPkcs11PathAttributeName(lowerCase) || isPkcs11QueryAttributeName(lowerCase)
      ? `; attribute names are lower-case ("${lowerCase}")`
      : `; vendor-specific attributes start with "${PKCS11_VENDOR_ATTRIBUTE_PREFIX}"`;
  throw fail(`unknown ${component} attribute "${name}" ${where}${hint}`);
}

/** Decodes one attribute's value, failing with messages that name it and say where. */
class AttributeDecoder {
  readonly name: string;
  private readonly attribute: RawAttribute;
  private readonly fail: (detail: string) => ProviderError;

  constructor(attribute: RawAttribute, fail: (detail: string) => ProviderError) {
    this.attribute = attribute;
    this.name = attribute.name;
    this.fail = fail;
  }

  /** The percent-decoded bytes of the value. */
  bytes(): Uint8Array {
    const { name, value, valueOffset, component } = this.attribute;
    const result = tryPercentDecode(value, component);
    if (result.ok) return result.bytes;
    const culprit = isSecretAttributeName(name) ? undefined : result.culprit;
    throw this.fail(
      `at offset ${valueOffset + result.offset}, the value of "${name}" has ` +
        describePercentProblem(result.problem, culprit, component),
    );
  }

  /** The percent-decoded value read as UTF-8. */
  text(): string {
    const text = tryDecodeUtf8(this.bytes());
    if (text === undefined) {
      throw this.fail(
        `the value of "${this.name}" at offset ${this.attribute.valueOffset} is not UTF-8 ` +
          'once percent-decoded',
      );
    }
    return text;
  }

  /** Fails with `detail`, quoting the (never secret) decoded value. */
  invalid(detail: string, value: string): ProviderError {
    return this.fail(
      `invalid "${this.name}" ${quote(value)} at offset ${this.attribute.offset}: ${detail}`,
    );
  }
}

function assignStandardAttribute(uri: Mutable<Pkcs11Uri>, decoder: AttributeDecoder): void {
  switch (decoder.name) {
    case 'token':
      uri.token = decoder.text();
      return;
    case 'manufacturer':
      uri.manufacturer = decoder.text();
      return;
    case 'serial':
      uri.serial = decoder.text();
      return;
    case 'model':
      uri.model = decoder.text();
      return;
    case 'library-manufacturer':
      uri.libraryManufacturer = decoder.text();
      return;
    case 'library-description':
      uri.libraryDescription = decoder.text();
      return;
    case 'library-version':
      uri.libraryVersion = parseVersion(decoder);
      return;
    case 'slot-description':
      uri.slotDescription = decoder.text();
      return;
    case 'slot-manufacturer':
      uri.slotManufacturer = decoder.text();
      return;
    case 'slot-id':
      uri.slotId = parseSlotId(decoder);
      return;
    case 'object':
      uri.object = decoder.text();
      return;
    case 'type':
      uri.type = parseObjectType(decoder);
      return;
    case 'id':
      uri.id = decoder.bytes();
      return;
    case 'pin-source':
      uri.pinSource = decoder.text();
      return;
    case 'pin-value':
      uri.pinValue = decoder.text();
      return;
    case 'module-name':
      uri.moduleName = decoder.text();
      return;
    case 'module-path':
      uri.modulePath = decoder.text();
      return;
    default:
      throw new Error(`unhandled standard attribute "${decoder.name}"`);
  }
}

const VERSION_SYNTAX = /^([0-9]+)(?:\.([0-9]+))?$/;
const MAX_VERSION_PART = 255;

function parseVersion(decoder: AttributeDecoder): Pkcs11Version {
  const value = decoder.text();
  const match = VERSION_SYNTAX.exec(value);
  if (match === null) throw decoder.invalid('expected "M" or "M.N" in decimal digits', value);
  const major = Number(match[1]);
  const minor = Number(match[2] ?? '0');
  if (major > MAX_VERSION_PART || minor > MAX_VERSION_PART) {
    throw decoder.invalid(`each part is a CK_BYTE, 0 to ${MAX_VERSION_PART}`, value);
  }
  return { major, minor };
}

function parseSlotId(decoder: AttributeDecoder): number {
  const value = decoder.text();
  if (!/^[0-9]+$/.test(value)) throw decoder.invalid('expected decimal digits', value);
  const slotId = Number(value);
  if (!Number.isSafeInteger(slotId)) {
    throw decoder.invalid(`above the largest safe integer ${Number.MAX_SAFE_INTEGER}`, value);
  }
  return slotId;
}

function parseObjectType(decoder: AttributeDecoder): Pkcs11ObjectType {
  const value = decoder.text();
  const type = PKCS11_OBJECT_TYPES.find((candidate) => candidate === value);
  if (type === undefined) {
    throw decoder.invalid(`expected one of ${PKCS11_OBJECT_TYPES.join(', ')}`, value);
  }
  return type;
}

function quote(value: string): string {
  const shown = value.length > MAX_QUOTED_VALUE ? `${value.slice(0, MAX_QUOTED_VALUE)}…` : value;
  return JSON.stringify(shown);
}

function invalidUri(text: string, detail: string): ProviderError {
  const redacted = redactPkcs11Uri(text);
  const shown =
    redacted.length > MAX_QUOTED_URI ? `${redacted.slice(0, MAX_QUOTED_URI)}…` : redacted;
  return new ProviderError(
    'INVALID_INPUT',
    `invalid PKCS #11 URI ${JSON.stringify(shown)}: ${detail}`,
  );
}
