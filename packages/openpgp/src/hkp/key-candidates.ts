import type { Key } from 'openpgp';
import { fingerprintOf } from '../keystore/fingerprint.js';
import type { Candidate } from './candidates.js';

async function candidateOfKey(key: Key): Promise<Candidate & { key: Key }> {
  const revoked = await key.isRevoked().catch(() => false);
  return {
    id: fingerprintOf(key),
    userIds: key.getUserIDs(),
    ...(revoked ? { remarks: ['revoked'] } : {}),
    key,
  };
}

/** Keys as candidates of a lookup: one per fingerprint (the first), revoked ones marked. */
export async function candidatesOfKeys(
  keys: readonly Key[],
): Promise<(Candidate & { key: Key })[]> {
  const byFingerprint = new Map<string, Key>();
  for (const key of keys) {
    const fingerprint = fingerprintOf(key);
    if (!byFingerprint.has(fingerprint)) byFingerprint.set(fingerprint, key);
  }
  return Promise.all([...byFingerprint.values()].map(candidateOfKey));
}
