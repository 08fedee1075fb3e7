import type { PKCS11, Template } from 'pkcs11js';
import { CKA, CKC_X_509, CKO } from '../native/constants.js';
import { decodeBoolean, decodeText, decodeUlong } from './attribute-values.js';
import { publicKeySpkiOf } from './public-key.js';

/** A key object as read from the token. */
export interface KeyObject {
  /** Object handle, valid for the application until the token is removed. */
  readonly handle: Buffer;
  readonly objectClass: 'private' | 'public';
  /** `CKA_ID` (empty when absent). */
  readonly id: Uint8Array;
  readonly label: string | undefined;
  /** `CKA_KEY_TYPE`. */
  readonly keyType: number;
  readonly sign: boolean;
  readonly decrypt: boolean;
  readonly derive: boolean;
  readonly alwaysAuthenticate: boolean;
  /** `CKA_EC_PARAMS` of EC keys (private keys carry it without the point). */
  readonly ecParams: Buffer | undefined;
  /** The SPKI when the object's own attributes give it (RSA private keys, all public keys). */
  readonly spki: Uint8Array | undefined;
}

/** An X.509 certificate object. */
export interface CertificateObject {
  readonly handle: Buffer;
  readonly id: Uint8Array;
  readonly label: string | undefined;
  readonly der: Uint8Array;
}

/** Everything a scan found on the token. */
export interface TokenObjects {
  readonly privateKeys: readonly KeyObject[];
  readonly publicKeys: readonly KeyObject[];
  readonly certificates: readonly CertificateObject[];
}

const BATCH = 64;

function findObjects(pkcs11: PKCS11, session: Buffer, template: Template): Buffer[] {
  pkcs11.C_FindObjectsInit(session, template);
  try {
    const handles: Buffer[] = [];
    for (;;) {
      const batch = pkcs11.C_FindObjects(session, BATCH);
      handles.push(...batch);
      if (batch.length < BATCH) return handles;
    }
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

/**
 * Reads attributes; an attribute the object lacks (or keeps secret) is undefined. Tries the
 * whole template first and falls back to one call per attribute, because a module rejects the
 * whole call when one attribute is invalid.
 */
function readAttributes(
  pkcs11: PKCS11,
  session: Buffer,
  handle: Buffer,
  types: readonly number[],
): Map<number, Buffer | undefined> {
  const values = new Map<number, Buffer | undefined>();
  const store = (result: Template): void => {
    for (const attribute of result) {
      const value = attribute.value;
      values.set(attribute.type, Buffer.isBuffer(value) ? value : undefined);
    }
  };
  try {
    store(
      pkcs11.C_GetAttributeValue(
        session,
        handle,
        types.map((type) => ({ type })),
      ),
    );
  } catch {
    for (const type of types) {
      try {
        store(pkcs11.C_GetAttributeValue(session, handle, [{ type }]));
      } catch {
        values.set(type, undefined);
      }
    }
  }
  return values;
}

const KEY_ATTRIBUTES = [CKA.ID, CKA.LABEL, CKA.KEY_TYPE] as const;
const PRIVATE_ATTRIBUTES = [CKA.SIGN, CKA.DECRYPT, CKA.DERIVE, CKA.ALWAYS_AUTHENTICATE] as const;
const PUBLIC_PARTS = [CKA.MODULUS, CKA.PUBLIC_EXPONENT, CKA.EC_PARAMS, CKA.EC_POINT] as const;

function readKeyObject(
  pkcs11: PKCS11,
  session: Buffer,
  handle: Buffer,
  objectClass: 'private' | 'public',
): KeyObject | undefined {
  const common = readAttributes(pkcs11, session, handle, KEY_ATTRIBUTES);
  const keyType = decodeUlong(common.get(CKA.KEY_TYPE));
  if (keyType === undefined) return undefined;
  const flags =
    objectClass === 'private'
      ? readAttributes(pkcs11, session, handle, PRIVATE_ATTRIBUTES)
      : new Map<number, Buffer | undefined>();
  const parts = readAttributes(pkcs11, session, handle, PUBLIC_PARTS);
  const ecParams = parts.get(CKA.EC_PARAMS);
  return {
    handle,
    objectClass,
    id: new Uint8Array(common.get(CKA.ID) ?? Buffer.alloc(0)),
    label: decodeText(common.get(CKA.LABEL)),
    keyType,
    sign: decodeBoolean(flags.get(CKA.SIGN)) ?? false,
    decrypt: decodeBoolean(flags.get(CKA.DECRYPT)) ?? false,
    derive: decodeBoolean(flags.get(CKA.DERIVE)) ?? false,
    alwaysAuthenticate: decodeBoolean(flags.get(CKA.ALWAYS_AUTHENTICATE)) ?? false,
    ecParams,
    spki: publicKeySpkiOf({
      keyType,
      modulus: parts.get(CKA.MODULUS),
      publicExponent: parts.get(CKA.PUBLIC_EXPONENT),
      ecParams,
      ecPoint: parts.get(CKA.EC_POINT),
    }),
  };
}

function readCertificate(
  pkcs11: PKCS11,
  session: Buffer,
  handle: Buffer,
): CertificateObject | undefined {
  const values = readAttributes(pkcs11, session, handle, [CKA.ID, CKA.LABEL, CKA.VALUE]);
  const der = values.get(CKA.VALUE);
  if (der === undefined || der.length === 0) return undefined;
  return {
    handle,
    id: new Uint8Array(values.get(CKA.ID) ?? Buffer.alloc(0)),
    label: decodeText(values.get(CKA.LABEL)),
    der: new Uint8Array(der),
  };
}

/**
 * Reads every private key, public key and X.509 certificate object visible to `session` (log in
 * first to see private objects). Synchronous PKCS#11 calls: run when the provider starts, after
 * a rescan and on a lookup miss, never on the signing path.
 */
export function scanTokenObjects(pkcs11: PKCS11, session: Buffer): TokenObjects {
  const keys = (objectClass: 'private' | 'public'): KeyObject[] =>
    findObjects(pkcs11, session, [
      { type: CKA.CLASS, value: objectClass === 'private' ? CKO.PRIVATE_KEY : CKO.PUBLIC_KEY },
    ]).flatMap((handle) => readKeyObject(pkcs11, session, handle, objectClass) ?? []);
  const certificates = findObjects(pkcs11, session, [
    { type: CKA.CLASS, value: CKO.CERTIFICATE },
    { type: CKA.CERTIFICATE_TYPE, value: CKC_X_509 },
  ]).flatMap((handle) => readCertificate(pkcs11, session, handle) ?? []);
  return { privateKeys: keys('private'), publicKeys: keys('public'), certificates };
}
