/**
 * The keystore folder: one armored file per key (`public/<FPR>.asc`, `secret/<FPR>.asc`),
 * atomic writes, a cross-process writer lock.
 */
export { Keystore } from './keystore.js';
export type {
  KeystoreEntry,
  KeystoreOptions,
  KeystorePaths,
  KeystoreProblem,
  WriteSecretKeyOptions,
} from './keystore.js';
export { writeFileAtomic } from './atomic-write.js';
export type { AtomicWriteOptions } from './atomic-write.js';
export { withFileLock } from './lock.js';
export type { FileLockOptions, LockOwner } from './lock.js';
export { fingerprintOf, isFingerprint, normalizeFingerprint } from './fingerprint.js';
