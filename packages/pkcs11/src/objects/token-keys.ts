import {
  describePublicKey,
  publicKeyAliases,
  type CertificateInfo,
  type KeyAlgorithm,
  type KeyInfo,
  type KeyUsage,
} from '@keyroute/core';
import { parseX509Certificate, type ParsedCertificate } from '../certificates/x509.js';
import type { TokenDetails } from '../token/token-details.js';
import { formatPkcs11Uri } from '../uri/format.js';
import { lowerHex } from './attribute-values.js';
import type { KeyObject, TokenObjects } from './scan-token.js';

/** A key of the token: what the contract reports, and what operations need. */
export interface TokenKey {
  readonly info: KeyInfo;
  /** The private key object's handle; undefined for public-only keys. */
  readonly privateHandle: Buffer | undefined;
  /** `CKA_KEY_TYPE`. */
  readonly keyType: number;
  /** `CKA_ALWAYS_AUTHENTICATE` of the private key. */
  readonly alwaysAuthenticate: boolean;
}

/**
 * Whether the token can do `usage` with keys of `algorithm` at all (its mechanisms): a key's
 * usages list only what the provider will actually do, whatever the key's attributes allow.
 */
export type UsablePredicate = (usage: KeyUsage, algorithm: KeyAlgorithm) => boolean;

/** The keys and certificates of one scan. */
export interface TokenCatalog {
  readonly keys: readonly TokenKey[];
  readonly certificates: readonly CertificateInfo[];
  /** The keys by id. */
  readonly byId: ReadonlyMap<string, TokenKey>;
  /** Key references already resolved against this catalog (filled by lookups, bounded). */
  readonly lookups: Map<string, TokenKey>;
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return a.length > 0 && Buffer.from(a).equals(b);
}

function publicHalf(
  key: KeyObject,
  objects: TokenObjects,
  certificates: readonly { id: Uint8Array; parsed: ParsedCertificate }[],
): Uint8Array | undefined {
  if (key.spki !== undefined) return key.spki;
  const partner = objects.publicKeys.find(
    (candidate) =>
      sameId(candidate.id, key.id) &&
      candidate.keyType === key.keyType &&
      candidate.spki !== undefined,
  );
  if (partner?.spki !== undefined) return partner.spki;
  return certificates.find((certificate) => sameId(certificate.id, key.id))?.parsed.publicKey;
}

function usagesOf(key: KeyObject, algorithm: KeyAlgorithm): KeyUsage[] {
  const usages: KeyUsage[] = [];
  const canSign = algorithm.kind !== 'x25519' && algorithm.kind !== 'x448';
  if (key.sign && canSign) usages.push('sign');
  // RSA decrypts; EC and Montgomery keys agree secrets (ECDH); EdDSA keys do neither.
  const agrees =
    algorithm.kind === 'ec' || algorithm.kind === 'x25519' || algorithm.kind === 'x448';
  if ((algorithm.kind === 'rsa' && key.decrypt) || (agrees && key.derive)) usages.push('decrypt');
  return usages;
}

interface Draft {
  readonly object: KeyObject;
  readonly spki: Uint8Array;
  readonly hasPrivateKey: boolean;
}

/**
 * Turns a scan into the token's keys and certificates:
 *
 * - every private key with its public half (its own attributes, else the public key object or
 *   the certificate with the same `CKA_ID`), then every public key without a private partner
 *   (`hasPrivateKey: false`); keys whose public half cannot be found are left out;
 * - ids are the `CKA_ID` in lower-case hex, stable across slots and restarts; a key whose
 *   `CKA_ID` is empty or shared with another key gets its SPKI SHA-256 instead;
 * - usages: what the key's attributes allow (`CKA_SIGN`, `CKA_DECRYPT`, `CKA_DERIVE`) and the
 *   token's mechanisms can do (`usable`);
 * - aliases: SPKI SHA-256, keygrip, the RFC 7512 URI of the private (or public) key object and
 *   the SHA-256 of a certificate that binds the key;
 * - certificates: X.509 objects node:crypto can parse, each bound to its public key.
 */
export function catalogTokenObjects(
  objects: TokenObjects,
  token: TokenDetails,
  provider: string,
  usable: UsablePredicate = () => true,
): TokenCatalog {
  const parsedCertificates = objects.certificates.flatMap((certificate) => {
    const parsed = parseX509Certificate(certificate.der);
    return parsed === undefined ? [] : [{ id: certificate.id, label: certificate.label, parsed }];
  });
  const drafts: Draft[] = [];
  for (const key of objects.privateKeys) {
    const spki = publicHalf(key, objects, parsedCertificates);
    if (spki !== undefined) drafts.push({ object: key, spki, hasPrivateKey: true });
  }
  const privateSpkis = new Set(drafts.map((draft) => Buffer.from(draft.spki).toString('base64')));
  for (const key of objects.publicKeys) {
    if (key.spki === undefined) continue;
    const encoded = Buffer.from(key.spki).toString('base64');
    if (privateSpkis.has(encoded)) continue;
    privateSpkis.add(encoded);
    drafts.push({ object: key, spki: key.spki, hasPrivateKey: false });
  }
  const idCounts = new Map<string, number>();
  for (const draft of drafts) {
    const id = lowerHex(draft.object.id);
    idCounts.set(id, (idCounts.get(id) ?? 0) + 1);
  }
  const keys = drafts.flatMap((draft): TokenKey[] => {
    let algorithm: KeyAlgorithm;
    try {
      algorithm = describePublicKey(draft.spki);
    } catch {
      return []; // An algorithm the contract does not know (DSA, GOST, …).
    }
    const aliases = publicKeyAliases(draft.spki);
    const ckaId = lowerHex(draft.object.id);
    const id = ckaId !== '' && idCounts.get(ckaId) === 1 ? ckaId : aliases.spkiSha256;
    const certificate = parsedCertificates.find(
      (candidate) =>
        sameId(candidate.id, draft.object.id) ||
        Buffer.from(candidate.parsed.publicKey).equals(draft.spki),
    );
    const uri = formatPkcs11Uri({
      manufacturer: token.manufacturer,
      model: token.model,
      serial: token.serial,
      token: token.label,
      ...(draft.object.label === undefined ? {} : { object: draft.object.label }),
      type: draft.object.objectClass,
      ...(draft.object.id.length === 0 ? {} : { id: draft.object.id }),
      vendorPath: [],
      vendorQuery: [],
    });
    const info: KeyInfo = {
      id,
      provider,
      ...(draft.object.label === undefined || draft.object.label === ''
        ? {}
        : { label: draft.object.label }),
      algorithm,
      usages: draft.hasPrivateKey
        ? usagesOf(draft.object, algorithm).filter((usage) => usable(usage, algorithm))
        : [],
      hasPrivateKey: draft.hasPrivateKey,
      publicKey: draft.spki,
      aliases: {
        ...aliases,
        pkcs11Uri: uri,
        ...(certificate === undefined ? {} : { x509Sha256: certificate.parsed.sha256 }),
      },
      ...(certificate === undefined ? {} : { expiresAt: certificate.parsed.notAfter }),
      details: {
        token: token.label,
        tokenSerial: token.serial,
        ckaId,
        ...(draft.object.alwaysAuthenticate ? { alwaysAuthenticate: true } : {}),
      },
    };
    return [
      {
        info,
        privateHandle: draft.hasPrivateKey ? draft.object.handle : undefined,
        keyType: draft.object.keyType,
        alwaysAuthenticate: draft.object.alwaysAuthenticate,
      },
    ];
  });
  const seen = new Set<string>();
  const certificates = parsedCertificates.flatMap(({ parsed }): CertificateInfo[] => {
    if (seen.has(parsed.sha256)) return [];
    seen.add(parsed.sha256);
    let boundKeys: string[] = [];
    try {
      boundKeys = [publicKeyAliases(parsed.publicKey).spkiSha256];
    } catch {
      boundKeys = [];
    }
    return [
      {
        id: parsed.sha256,
        provider,
        type: 'x509',
        encoded: parsed.der,
        subjects: [parsed.subject],
        issuer: parsed.issuer,
        serialNumber: parsed.serialNumber,
        fingerprint: parsed.sha256,
        notBefore: parsed.notBefore,
        notAfter: parsed.notAfter,
        boundKeys,
      },
    ];
  });
  const byId = (a: { readonly id: string }, b: { readonly id: string }): number =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  // Sorted by id: listings do not depend on the order a module returns objects in.
  keys.sort((a, b) => byId(a.info, b.info));
  return {
    keys,
    certificates: certificates.sort(byId),
    byId: new Map(keys.map((key) => [key.info.id, key])),
    lookups: new Map(),
  };
}
