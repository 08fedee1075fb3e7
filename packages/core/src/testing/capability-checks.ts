import {
  DECRYPT_SCHEMES,
  ENCRYPT_SCHEMES,
  HASH_ALGORITHMS,
  SIGN_SCHEMES,
  type DecryptScheme,
} from '../contract/algorithms.js';
import type { CipherCapability, ProviderCapabilities } from '../contract/capabilities.js';
import type { KeyInfo } from '../contract/keys.js';
import { ConformanceError } from './problems.js';
import { ALGORITHM_KINDS, CIPHER_SCHEME_KINDS, keysFor, SIGN_SCHEME_KINDS } from './schemes.js';

const FORMATS = ['raw', 'openpgp', 'cms'] as const;
const INPUTS = ['data', 'digest'] as const;
const ENCODINGS = ['p1363', 'der'] as const;

/** The members of `values` that `allowed` lacks. */
function outside(values: readonly unknown[], allowed: readonly unknown[]): unknown[] {
  return values.filter((value) => !allowed.includes(value));
}

/** Problems of a list field: not empty (when `nonEmpty`), no repeats, only `allowed` values. */
function listProblems(
  where: string,
  field: string,
  values: readonly unknown[] | undefined,
  allowed: readonly unknown[],
  nonEmpty: boolean,
): string[] {
  if (values === undefined) return nonEmpty ? [`${where}: ${field} is missing`] : [];
  const problems: string[] = [];
  if (!Array.isArray(values)) return [`${where}: ${field} is not an array`];
  if (nonEmpty && values.length === 0) problems.push(`${where}: ${field} is empty`);
  if (new Set(values).size !== values.length) problems.push(`${where}: ${field} repeats values`);
  const bad = outside(values, allowed);
  if (bad.length > 0)
    problems.push(`${where}: ${field} has ${bad.map(String).join(', ')}, not allowed here`);
  return problems;
}

/**
 * Every internal inconsistency of a provider's capabilities: unknown names, algorithms a scheme
 * is not defined for, a hash-based scheme without hashes, encodings on a non-ECDSA scheme, a
 * non-positive `maxDataLength`.
 */
export function capabilityProblems(capabilities: ProviderCapabilities): string[] {
  const problems: string[] = [];
  capabilities.sign.forEach((capability, index) => {
    const where = `sign[${index}] (${capability.scheme})`;
    if (!SIGN_SCHEMES.includes(capability.scheme)) {
      problems.push(`${where}: unknown scheme`);
      return;
    }
    const fits = SIGN_SCHEME_KINDS[capability.scheme];
    problems.push(...listProblems(where, 'algorithms', capability.algorithms, fits, true));
    const needsHashes = capability.scheme !== 'eddsa' || capability.inputs.includes('digest');
    problems.push(
      ...listProblems(where, 'hashes', capability.hashes, HASH_ALGORITHMS, needsHashes),
    );
    problems.push(...listProblems(where, 'inputs', capability.inputs, INPUTS, true));
    problems.push(...listProblems(where, 'formats', capability.formats, FORMATS, true));
    if (capability.signatureEncodings !== undefined) {
      const allowed = capability.scheme === 'ecdsa' ? ENCODINGS : [];
      problems.push(
        ...listProblems(where, 'signatureEncodings', capability.signatureEncodings, allowed, true),
      );
    }
    const max = capability.maxDataLength;
    if (max !== undefined && (!Number.isInteger(max) || max <= 0)) {
      problems.push(`${where}: maxDataLength ${max} is not a positive integer`);
    }
    if (max !== undefined && !capability.inputs.includes('data')) {
      problems.push(`${where}: maxDataLength is set but the capability does not accept data`);
    }
  });
  problems.push(...cipherProblems('decrypt', capabilities.decrypt, DECRYPT_SCHEMES));
  problems.push(...cipherProblems('encrypt', capabilities.encrypt, ENCRYPT_SCHEMES));
  problems.push(
    ...listProblems('verifyFormats', 'verifyFormats', capabilities.verifyFormats, FORMATS, false),
  );
  if (typeof capabilities.certificates !== 'boolean')
    problems.push('certificates is not a boolean');
  return problems;
}

function cipherProblems(
  operation: string,
  capabilities: readonly CipherCapability<DecryptScheme>[],
  schemes: readonly DecryptScheme[],
): string[] {
  const problems: string[] = [];
  capabilities.forEach((capability, index) => {
    const where = `${operation}[${index}] (${capability.scheme})`;
    if (!schemes.includes(capability.scheme)) {
      problems.push(`${where}: unknown scheme`);
      return;
    }
    const fits = CIPHER_SCHEME_KINDS[capability.scheme];
    problems.push(...listProblems(where, 'algorithms', capability.algorithms, fits, true));
    const hashesAllowed = capability.scheme === 'rsa-oaep' ? HASH_ALGORITHMS : [];
    problems.push(
      ...listProblems(
        where,
        'hashes',
        capability.hashes,
        hashesAllowed,
        capability.hashes !== undefined,
      ),
    );
  });
  return problems;
}

/**
 * Problems between the keys and the capabilities: a key that may sign (or decrypt) whose
 * algorithm no sign (or decrypt) capability lists — the capabilities or the usages are wrong.
 */
export function coverageProblems(
  capabilities: ProviderCapabilities,
  keys: readonly KeyInfo[],
): string[] {
  const problems: string[] = [];
  for (const key of keysFor(keys, 'sign')) {
    if (
      !capabilities.sign.some((capability) => capability.algorithms.includes(key.algorithm.kind))
    ) {
      problems.push(
        `key "${key.id}" has usage sign but no sign capability lists ${key.algorithm.kind}`,
      );
    }
  }
  for (const key of keysFor(keys, 'decrypt')) {
    if (
      !capabilities.decrypt.some((capability) => capability.algorithms.includes(key.algorithm.kind))
    ) {
      problems.push(
        `key "${key.id}" has usage decrypt but no decrypt capability lists ${key.algorithm.kind}`,
      );
    }
  }
  for (const key of keys) {
    if (!ALGORITHM_KINDS.includes(key.algorithm.kind)) {
      problems.push(
        `key "${key.id}" has unknown algorithm kind ${JSON.stringify(key.algorithm.kind)}`,
      );
    }
  }
  return problems;
}

/**
 * Checks that capabilities are internally consistent, stable between calls, and cover the keys.
 *
 * @throws ConformanceError listing every problem.
 */
export function checkCapabilities(
  provider: { capabilities(): ProviderCapabilities },
  keys: readonly KeyInfo[],
): void {
  const capabilities = provider.capabilities();
  const problems = [...capabilityProblems(capabilities), ...coverageProblems(capabilities, keys)];
  if (JSON.stringify(provider.capabilities()) !== JSON.stringify(capabilities)) {
    problems.push('capabilities() changed between two calls; they must be static');
  }
  if (problems.length > 0) throw new ConformanceError('capabilities() are inconsistent', problems);
}
