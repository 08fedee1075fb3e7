import type { EcdsaSignatureEncoding, HashAlgorithm, SignFormat, SignScheme } from '@keyroute/core';
import { HttpProblem } from './problem.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bad(message: string): HttpProblem {
  return new HttpProblem(400, 'INVALID_INPUT', message);
}

/** A base64 field as bytes (standard or URL-safe alphabet); undefined when absent. */
export function base64Field(body: Record<string, unknown>, name: string): Uint8Array | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(`"${name}" must be a base64 string`);
  const normal = value.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '');
  if (!BASE64.test(normal) || normal.length % 4 === 1) throw bad(`"${name}" is not valid base64`);
  return new Uint8Array(Buffer.from(normal, 'base64'));
}

/** A required base64 field. */
export function requiredBase64(body: Record<string, unknown>, name: string): Uint8Array {
  const value = base64Field(body, name);
  if (value === undefined) throw bad(`"${name}" (base64) is required`);
  return value;
}

/** An optional string field restricted to `allowed`. */
export function choiceField<T extends string>(
  body: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw bad(`"${name}" must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

const HASH_NAMES: Readonly<Record<string, HashAlgorithm>> = {
  'sha-1': 'sha1',
  sha1: 'sha1',
  'sha-224': 'sha224',
  sha224: 'sha224',
  'sha-256': 'sha256',
  sha256: 'sha256',
  'sha-384': 'sha384',
  sha384: 'sha384',
  'sha-512': 'sha512',
  sha512: 'sha512',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

/** `hash`: "SHA-256" (as the API documents it) or core's "sha256". */
export function hashField(body: Record<string, unknown>): HashAlgorithm | undefined {
  const value = body['hash'];
  if (value === undefined || value === null) return undefined;
  const hash = typeof value === 'string' ? HASH_NAMES[value.toLowerCase()] : undefined;
  if (hash === undefined)
    throw bad(
      '"hash" must be one of SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, SHA3-256, SHA3-384, SHA3-512',
    );
  return hash;
}

/** The signing fields shared by sign and verify. */
export interface SigningFields {
  readonly input: { readonly data: Uint8Array } | { readonly digest: Uint8Array };
  readonly hash: HashAlgorithm | undefined;
  readonly scheme: SignScheme | undefined;
  readonly signatureEncoding: EcdsaSignatureEncoding | undefined;
  readonly format: SignFormat | undefined;
}

/** Reads `data` | `digest`, `hash`, `scheme`, `encoding`, `format`. */
export function signingFields(body: Record<string, unknown>): SigningFields {
  const data = base64Field(body, 'data');
  const digest = base64Field(body, 'digest');
  if ((data === undefined) === (digest === undefined))
    throw bad('give exactly one of "data" and "digest" (base64)');
  return {
    input: data !== undefined ? { data } : { digest: digest ?? new Uint8Array() },
    hash: hashField(body),
    scheme: choiceField(body, 'scheme', ['pkcs1v15', 'pss', 'ecdsa', 'eddsa'] as const),
    signatureEncoding: choiceField(body, 'encoding', ['p1363', 'der'] as const),
    format: choiceField(body, 'format', ['raw', 'openpgp', 'cms'] as const),
  };
}
