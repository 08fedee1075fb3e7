// The one place where Assuan errors, gpg-error codes and connection failures become
// ProviderError codes. Branches on codes only, never on message text.
import {
  AssuanError,
  AssuanProtocolError,
  GPG_ERROR_CODE,
  GPG_ERR_SYSTEM_ERROR,
} from '@keyroute/assuan';
import { ProviderError, isProviderError, type ErrorCode } from '@keyroute/core';

/** libgpg-error's errno index of ENOENT (`GPG_ERR_ENOENT` is `GPG_ERR_SYSTEM_ERROR | 81`). */
const ERRNO_ENOENT = 81;

/** What was being done when an error happened, for the message and the code. */
export interface ErrorContext {
  /** The provider id. */
  readonly provider: string;
  /** What failed, e.g. `PKSIGN with key 0123…`. */
  readonly operation: string;
  /** The key reference concerned, if any. */
  readonly key?: string;
  /** True when a passphrase was supplied for this operation (a cancel is then not LOCKED). */
  readonly hadSecret?: boolean;
  /** True when the agent asked for the passphrase again after we supplied one. */
  readonly secretRejected?: boolean;
}

const LOCKED_CODES: ReadonlySet<number> = new Set([
  GPG_ERROR_CODE.NO_PIN_ENTRY,
  GPG_ERROR_CODE.CANCELED,
  GPG_ERROR_CODE.ASS_CANCELED,
  GPG_ERROR_CODE.FULLY_CANCELED,
  GPG_ERROR_CODE.NO_PASSPHRASE,
  GPG_ERROR_CODE.NO_PIN,
]);

const UNSUPPORTED_CODES: ReadonlySet<number> = new Set([
  GPG_ERROR_CODE.NOT_SUPPORTED,
  GPG_ERROR_CODE.PUBKEY_ALGO,
  GPG_ERROR_CODE.DIGEST_ALGO,
  GPG_ERROR_CODE.UNSUPPORTED_ALGORITHM,
  GPG_ERROR_CODE.NOT_IMPLEMENTED,
]);

const INVALID_INPUT_CODES: ReadonlySet<number> = new Set([
  GPG_ERROR_CODE.INV_VALUE,
  GPG_ERROR_CODE.INV_LENGTH,
  GPG_ERROR_CODE.BAD_DATA,
  GPG_ERROR_CODE.INV_DATA,
  GPG_ERROR_CODE.INV_CURVE,
]);

/** The ProviderError code of an `ERR` from gpg-agent. */
function codeOfAssuanError(error: AssuanError, context: ErrorContext): ErrorCode {
  const { code } = error;
  if (context.secretRejected === true) return 'BAD_SECRET';
  if (code === GPG_ERROR_CODE.NO_SECKEY) return 'KEY_NOT_FOUND';
  if (code === GPG_ERROR_CODE.BAD_PASSPHRASE || code === GPG_ERROR_CODE.BAD_PIN) {
    return 'BAD_SECRET';
  }
  if (LOCKED_CODES.has(code)) return context.hadSecret === true ? 'CANCELLED' : 'LOCKED';
  if (UNSUPPORTED_CODES.has(code)) return 'UNSUPPORTED';
  if (INVALID_INPUT_CODES.has(code)) return 'INVALID_INPUT';
  if (code === GPG_ERROR_CODE.TIMEOUT) return 'TIMEOUT';
  // READKEY/SIGKEY of a keygrip without a key file: a system error wrapping ENOENT.
  if (code === (GPG_ERR_SYSTEM_ERROR | ERRNO_ENOENT)) return 'KEY_NOT_FOUND';
  return 'INTERNAL';
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  LOCKED: 'the key is protected: configure a secret source that supplies its passphrase',
  BAD_SECRET: 'the passphrase supplied was wrong',
  KEY_NOT_FOUND: 'the agent holds no secret key with that keygrip',
};

/** The errno code (`ECONNREFUSED`, …) somewhere in an error's cause chain. */
function errnoIn(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps a failure of an agent operation to a `ProviderError`, keeping the original as `cause`.
 * A `ProviderError` passes through unchanged.
 */
export function mapAgentError(error: unknown, context: ErrorContext): ProviderError {
  if (isProviderError(error)) return error;
  const options = {
    cause: error,
    provider: context.provider,
    ...(context.key === undefined ? {} : { key: context.key }),
  };
  if (error instanceof AssuanError) {
    const code = codeOfAssuanError(error, context);
    const hint = HINTS[code];
    return new ProviderError(
      code,
      `gpg-agent: ${context.operation} failed: ${error.message}${hint === undefined ? '' : `; ${hint}`}`,
      options,
    );
  }
  if (error instanceof AssuanProtocolError) {
    if (error.reason === 'connection-closed') {
      return new ProviderError(
        'UNAVAILABLE',
        `gpg-agent: ${context.operation} failed: the connection to gpg-agent closed (the agent stopped?); the next call reconnects`,
        options,
      );
    }
    return new ProviderError(
      'PROTOCOL',
      `gpg-agent: ${context.operation} failed: gpg-agent broke the Assuan protocol (${error.reason})`,
      options,
    );
  }
  const errno = errnoIn(error);
  if (
    errno === 'ECONNREFUSED' ||
    errno === 'ENOENT' ||
    errno === 'ECONNRESET' ||
    errno === 'EPIPE'
  ) {
    return new ProviderError(
      'UNAVAILABLE',
      `gpg-agent: ${context.operation} failed: ${error instanceof Error ? error.message : String(error)}`,
      options,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    'INTERNAL',
    `gpg-agent: ${context.operation} failed unexpectedly: ${message}`,
    options,
  );
}

/**
 * Maps a failure to connect to the agent (socket missing, connection refused, gpgconf failing)
 * to `UNAVAILABLE`, naming the socket when it is known.
 */
export function agentUnavailable(
  error: unknown,
  provider: string,
  socket: string | undefined,
): ProviderError {
  if (isProviderError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const where = socket === undefined ? '' : ` at ${socket}`;
  return new ProviderError('UNAVAILABLE', `gpg-agent is not running${where}: ${reason}`, {
    cause: error,
    provider,
  });
}

/** True when an error means the connection it happened on cannot be reused. */
export function isConnectionBroken(error: unknown): boolean {
  return error instanceof AssuanProtocolError;
}
