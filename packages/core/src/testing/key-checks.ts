import type { KeyAlgorithm } from '../contract/algorithms.js';
import { formatAlgorithm } from '../contract/algorithms.js';
import type { KeyInfo, KeyUsage } from '../contract/keys.js';
import type { Provider } from '../contract/provider.js';
import { nodeKeyAlgorithm, sameAlgorithm, sha256Hex, spkiKeyObject } from './node-crypto.js';
import { ConformanceError } from './problems.js';

const USAGES: readonly KeyUsage[] = ['sign', 'decrypt', 'certify', 'authenticate'];

/** Format of each alias the contract fixes (see `KeyAliases`). */
const ALIAS_FORMATS: readonly (readonly [string, RegExp, string])[] = [
  ['keygrip', /^[0-9A-F]{40}$/, '40 upper-case hex digits'],
  ['openpgpFingerprint', /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/, '40 or 64 upper-case hex digits'],
  ['openpgpKeyId', /^[0-9A-F]{16}$/, '16 upper-case hex digits'],
  ['x509Sha256', /^[0-9a-f]{64}$/, '64 lower-case hex digits'],
  ['pkcs11Uri', /^pkcs11:/, 'a pkcs11: URI (RFC 7512)'],
];

/**
 * Provider kinds that relay the keys of member providers: their keys keep the member's id in
 * `provider` (the router, and the gateway client), so only its presence is checked.
 */
export const AGGREGATING_KINDS: readonly string[] = ['router', 'gateway'];

/** Usages an algorithm can never have: Montgomery keys cannot sign, EdDSA keys cannot decrypt. */
function impossibleUsages(algorithm: KeyAlgorithm): readonly KeyUsage[] {
  switch (algorithm.kind) {
    case 'x25519':
    case 'x448':
      return ['sign', 'certify', 'authenticate'];
    case 'ed25519':
    case 'ed448':
      return ['decrypt'];
    case 'rsa':
    case 'ec':
      return [];
  }
}

/**
 * Every problem of one `KeyInfo`, checked against node:crypto: provider id (for a router or
 * gateway: the member's, so only present), SPKI that parses,
 * `spkiSha256` equal to the SHA-256 of the SPKI, algorithm equal to what node reads from the
 * SPKI, alias formats, usages.
 */
export function keyInfoProblems(key: KeyInfo, provider: Pick<Provider, 'id' | 'kind'>): string[] {
  const problems: string[] = [];
  const name = `key "${key.id}"`;
  if (typeof key.id !== 'string' || key.id.length === 0) problems.push(`${name}: id is empty`);
  if (AGGREGATING_KINDS.includes(provider.kind)) {
    if (typeof key.provider !== 'string' || key.provider.length === 0) {
      problems.push(`${name}: provider is empty; a ${provider.kind} keeps its member's id there`);
    }
  } else if (key.provider !== provider.id) {
    problems.push(
      `${name}: provider is "${key.provider}", expected the provider's id "${provider.id}"`,
    );
  }
  if (!(key.publicKey instanceof Uint8Array)) {
    problems.push(`${name}: publicKey is not a Uint8Array`);
    return problems;
  }
  let algorithm: KeyAlgorithm | string;
  try {
    algorithm = nodeKeyAlgorithm(spkiKeyObject(key.publicKey));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.push(`${name}: publicKey does not parse as DER SPKI with node:crypto (${reason})`);
    return problems;
  }
  if (typeof algorithm === 'string') {
    problems.push(`${name}: node:crypto reads ${algorithm}`);
  } else if (!sameAlgorithm(algorithm, key.algorithm)) {
    problems.push(
      `${name}: algorithm is ${describe(key.algorithm)}, but node:crypto reads ${formatAlgorithm(algorithm)} from publicKey`,
    );
  }
  const spkiSha256 = sha256Hex(key.publicKey);
  if (key.aliases.spkiSha256 !== spkiSha256) {
    problems.push(
      `${name}: aliases.spkiSha256 is "${key.aliases.spkiSha256}", expected the lower-case hex SHA-256 of publicKey "${spkiSha256}"`,
    );
  }
  const aliases: Readonly<Record<string, unknown>> = { ...key.aliases };
  for (const [alias, pattern, expected] of ALIAS_FORMATS) {
    const value = aliases[alias];
    if (value !== undefined && (typeof value !== 'string' || !pattern.test(value))) {
      problems.push(`${name}: aliases.${alias} is ${JSON.stringify(value)}, expected ${expected}`);
    }
  }
  problems.push(...usageProblems(key, name));
  if (key.expiresAt !== undefined && Number.isNaN(key.expiresAt.getTime())) {
    problems.push(`${name}: expiresAt is an invalid Date`);
  }
  return problems;
}

function usageProblems(key: KeyInfo, name: string): string[] {
  const problems: string[] = [];
  const unknown = key.usages.filter((usage) => !USAGES.includes(usage));
  if (unknown.length > 0) problems.push(`${name}: unknown usages ${unknown.join(', ')}`);
  if (new Set(key.usages).size !== key.usages.length) problems.push(`${name}: usages repeat`);
  if (!key.hasPrivateKey && key.usages.length > 0) {
    problems.push(`${name}: hasPrivateKey is false but usages are ${key.usages.join(', ')}`);
  }
  const impossible = key.usages.filter((usage) => impossibleUsages(key.algorithm).includes(usage));
  if (impossible.length > 0) {
    problems.push(`${name}: a ${describe(key.algorithm)} key cannot ${impossible.join(', ')}`);
  }
  return problems;
}

function describe(algorithm: KeyAlgorithm): string {
  try {
    return formatAlgorithm(algorithm);
  } catch {
    return JSON.stringify(algorithm);
  }
}

/**
 * Checks one `KeyInfo` as {@link keyInfoProblems} does.
 *
 * @throws ConformanceError listing every problem.
 */
export function checkKeyInfo(key: KeyInfo, provider: Pick<Provider, 'id' | 'kind'>): void {
  const problems = keyInfoProblems(key, provider);
  if (problems.length > 0) throw new ConformanceError(`KeyInfo "${key.id}" is malformed`, problems);
}

/**
 * Checks a whole key listing: at least one key, every key well formed, ids unique within the
 * provider that holds them.
 *
 * @throws ConformanceError listing every problem.
 */
export function checkKeyList(
  keys: readonly KeyInfo[],
  provider: Pick<Provider, 'id' | 'kind'>,
): void {
  const problems: string[] = [];
  const listed: unknown = keys;
  if (!Array.isArray(listed)) throw new ConformanceError('listKeys', ['did not return an array']);
  if (keys.length === 0) problems.push('no keys: the test backend must hold at least one key');
  const seen = new Set<string>();
  for (const key of keys) {
    // Ids are unique within the provider that holds the key (a router lists many providers).
    const holder = `${key.provider}\u0000${key.id}`;
    if (seen.has(holder)) problems.push(`key id "${key.id}" is listed more than once`);
    seen.add(holder);
    problems.push(...keyInfoProblems(key, provider));
  }
  if (problems.length > 0) throw new ConformanceError('listKeys returned malformed keys', problems);
}
