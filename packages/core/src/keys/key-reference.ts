import type { KeyAliases } from '../contract/keys.js';

/** Which field of a key a parsed reference is compared with. */
export type ReferenceField = 'id' | 'label' | keyof KeyAliases;

/** A key reference split into the fields it may match and the normalised value to compare. */
export interface ParsedKeyReference {
  /** The reference as given. */
  readonly text: string;
  /** Fields to compare with, in order of preference. */
  readonly fields: readonly ReferenceField[];
  /** Value to compare (upper-case hex for hex fields, verbatim otherwise). */
  readonly value: string;
}

/** Explicit prefixes accepted in key references, and the alias they name. */
const PREFIXES: Readonly<Record<string, ReferenceField>> = {
  'id:': 'id',
  'label:': 'label',
  'keygrip:': 'keygrip',
  'grip:': 'keygrip',
  'spki-sha256:': 'spkiSha256',
  'openpgp:': 'openpgpFingerprint',
  'fpr:': 'openpgpFingerprint',
  'keyid:': 'openpgpKeyId',
  'x509-sha256:': 'x509Sha256',
};

const HEX_FIELDS = new Set<ReferenceField>([
  'keygrip',
  'spkiSha256',
  'openpgpFingerprint',
  'openpgpKeyId',
  'x509Sha256',
]);

const HEX = /^(?:0x)?([0-9a-f]+)$/i;

/**
 * Parses a key reference: an explicit `prefix:value`, a `pkcs11:` URI, bare hex (matched by
 * length against keygrips, fingerprints, key IDs and SHA-256 aliases), or an id/label.
 * Pure: never throws; a reference that matches nothing is found out when searching.
 */
export function parseKeyReference(reference: string): ParsedKeyReference {
  const text = reference.trim();
  const lower = text.toLowerCase();
  if (lower.startsWith('pkcs11:')) return { text, fields: ['pkcs11Uri', 'id'], value: text };
  for (const [prefix, field] of Object.entries(PREFIXES)) {
    if (lower.startsWith(prefix)) {
      const raw = text.slice(prefix.length).replace(/\s+/g, '');
      const value = HEX_FIELDS.has(field) ? stripHex(raw) : text.slice(prefix.length);
      return { text, fields: [field], value };
    }
  }
  const hex = HEX.exec(text.replace(/\s+/g, ''));
  if (hex?.[1] !== undefined) {
    const digits = hex[1].toUpperCase();
    return { text, fields: ['id', ...hexFieldsForLength(digits.length), 'label'], value: digits };
  }
  return { text, fields: ['id', 'label'], value: text };
}

/** Normalises a hex string for comparison: no `0x`, no spaces, upper case. */
export function stripHex(value: string): string {
  return value.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase();
}

function hexFieldsForLength(length: number): ReferenceField[] {
  switch (length) {
    case 16:
      return ['openpgpKeyId'];
    case 40:
      return ['keygrip', 'openpgpFingerprint'];
    case 64:
      return ['spkiSha256', 'openpgpFingerprint', 'x509Sha256'];
    default:
      return [];
  }
}

/** True when `field` holds hex digits compared case-insensitively. */
export function isHexField(field: ReferenceField): boolean {
  return HEX_FIELDS.has(field);
}
