import { isProviderError } from '@keyroute/core';

/**
 * The exit codes of the key commands (a published contract: scripts branch on them).
 *
 * - 0 ok (for `verify`: the signature is valid)
 * - 1 the signature is not valid, or any other failure
 * - 2 usage: unknown command or flag, missing or bad value, input the provider calls invalid
 * - 3 no key matches the reference (the message names the closest candidates)
 * - 4 denied: the gateway refused the token or the app may not use the key so
 * - 5 unavailable: the gateway or the backend cannot be reached, or did not answer in time
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  badSignature: 1,
  usage: 2,
  keyNotFound: 3,
  denied: 4,
  unavailable: 5,
} as const;

/** The exit-code lines of the usage text. */
export const EXIT_CODES_USAGE =
  'exit codes: 0 ok, 1 failure (verify: bad signature), 2 usage or configuration error,\n' +
  '  3 key not found, 4 denied, 5 gateway or backend unavailable (or timed out)';

/** A failure of the command line itself, with the exit code it ends with. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A mistake in how the command was called: exit code 2, and the command's usage is shown. */
export class CliUsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'CliUsageError';
  }
}

/** The exit code a failure ends the command with (see {@link EXIT}). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (!isProviderError(error)) return EXIT.failure;
  switch (error.code) {
    case 'KEY_NOT_FOUND':
      return EXIT.keyNotFound;
    case 'DENIED':
      return EXIT.denied;
    case 'UNAVAILABLE':
    case 'TIMEOUT':
      return EXIT.unavailable;
    case 'INVALID_INPUT':
      return EXIT.usage;
    default:
      return EXIT.failure;
  }
}

/** The message of any failure, for people. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
