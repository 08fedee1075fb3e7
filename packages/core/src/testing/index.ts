/**
 * @keyroute/core/testing — the provider conformance suite that every adapter runs against its
 * real backend, the in-memory reference provider, and the suite's reusable checks.
 *
 * Importing this module imports vitest (an optional peer dependency of @keyroute/core).
 */
export { describeProviderConformance } from './conformance.js';
export type {
  ConformanceOptions,
  ConformanceTarget,
  FormatVerifier,
  FormatVerifierArgs,
} from './options.js';
export { createMemoryProvider, type MemoryProviderOptions } from './memory-provider.js';
export { generateMemoryKeys, type MemoryKeySpec } from './memory-keys.js';
export { checkKeyInfo, checkKeyList, keyInfoProblems } from './key-checks.js';
export { checkCertificateList, certificateInfoProblems } from './certificate-checks.js';
export { checkCapabilities, capabilityProblems, coverageProblems } from './capability-checks.js';
export { verifyWithNode, type RawSignatureParameters } from './node-crypto.js';
export { ConformanceError } from './problems.js';
