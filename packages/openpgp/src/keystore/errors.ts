import { ProviderError, isProviderError, type ErrorCode } from '@keyroute/core';

/** The provider id put in errors when the caller did not name one. */
export const DEFAULT_PROVIDER_ID = 'openpgp';

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`, …), or undefined. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' ? code : undefined;
}

const CODE_OF_SYSTEM_ERROR = new Map<string, ErrorCode>([
  ['EACCES', 'DENIED'],
  ['EPERM', 'DENIED'],
  ['EROFS', 'DENIED'],
  ['ENOENT', 'UNAVAILABLE'],
  ['ENOTDIR', 'UNAVAILABLE'],
  ['ENOSPC', 'UNAVAILABLE'],
  ['EDQUOT', 'UNAVAILABLE'],
  ['EIO', 'UNAVAILABLE'],
  ['EMFILE', 'UNAVAILABLE'],
  ['ENFILE', 'UNAVAILABLE'],
  ['EBUSY', 'UNAVAILABLE'],
  ['ESTALE', 'UNAVAILABLE'],
]);

/** Where a file-system failure happened, for the message. Never holds a secret. */
export interface FileFailureContext {
  /** The provider's id. */
  readonly provider: string;
  /** What the keystore was doing: `write public/0123….asc`. */
  readonly operation: string;
  /** The fingerprint concerned, if any. */
  readonly key?: string;
}

/**
 * The one place file-system failures of the keystore, staging area and key files become
 * `ProviderError`s: permissions → `DENIED`, a missing folder, a full or failing disk →
 * `UNAVAILABLE`, anything else → `INTERNAL`. A `ProviderError` passes through unchanged.
 * The message holds the operation and the system error code, never file contents.
 */
export function fileSystemError(error: unknown, context: FileFailureContext): ProviderError {
  if (isProviderError(error)) return error;
  const code = systemErrorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new ProviderError(
    (code === undefined ? undefined : CODE_OF_SYSTEM_ERROR.get(code)) ?? 'INTERNAL',
    `${context.operation} failed: ${reason}`,
    {
      cause: error,
      provider: context.provider,
      ...(context.key === undefined ? {} : { key: context.key }),
    },
  );
}
