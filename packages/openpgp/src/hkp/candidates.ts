import { ProviderError } from '@keyroute/core';

/** A key a lookup found, as it is named in an error. */
export interface Candidate {
  /** The fingerprint, or the key id when the source gave no fingerprint. */
  readonly id: string;
  readonly userIds: readonly string[];
  /** Remarks such as `revoked`, `expired`. */
  readonly remarks?: readonly string[];
}

const MAX_LISTED = 20;

function describe(candidate: Candidate): string {
  const userIds = candidate.userIds.length === 0 ? 'no user ID' : candidate.userIds.join(', ');
  const remarks = candidate.remarks?.length ? `; ${candidate.remarks.join(', ')}` : '';
  return `${candidate.id} (${userIds}${remarks})`;
}

/**
 * Exactly one candidate, or the error to give. Pure.
 *
 * @throws ProviderError `KEY_NOT_FOUND` when there is none; `INVALID_INPUT` listing each
 *   candidate's fingerprint and user IDs when there are several.
 */
export function exactlyOne<T extends Candidate>(
  candidates: readonly T[],
  search: string,
  where: string,
): T {
  const [first] = candidates;
  if (first === undefined) {
    throw new ProviderError('KEY_NOT_FOUND', `no key matching "${search}" at ${where}`);
  }
  if (candidates.length === 1) return first;
  const listed = candidates.slice(0, MAX_LISTED).map(describe).join('; ');
  const more = candidates.length > MAX_LISTED ? `; and ${candidates.length - MAX_LISTED} more` : '';
  throw new ProviderError(
    'INVALID_INPUT',
    `"${search}" matches ${candidates.length} keys at ${where}; search by fingerprint: ${listed}${more}`,
  );
}
