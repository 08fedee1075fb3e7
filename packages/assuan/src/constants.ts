/**
 * Wire constants of the Assuan protocol, from the libassuan manual ("Developing with Assuan",
 * chapter "Implementation", sections "Server responses" / "Client requests") and libassuan's
 * `assuan.h`, plus the libgpg-error values that Assuan peers put into `ERR` lines.
 */

/**
 * Longest line in bytes, not counting its terminating LF or CR LF.
 *
 * libassuan manual, "Implementation": "line based with a maximum line size of 1000 octets";
 * `assuan.h`: `#define ASSUAN_LINELENGTH 1002`, commented "1000 + [CR,]LF". libassuan's writer
 * (`_assuan_write_line` in `assuan-buffer.c`) keeps `len + 2 <= ASSUAN_LINELENGTH`, so the text of
 * a line is at most 1000 bytes and the terminator does not count. (The "Client requests" section
 * says "1000 characters including command and CR, LF" once; the header and the code win.) libassuan
 * itself truncates over-long lines it writes; this package refuses them instead.
 */
export const MAX_LINE_LENGTH = 1000;

/** Prefix of a data line: a `D` and exactly one space (libassuan manual, "Server responses"). */
export const DATA_LINE_PREFIX = 'D ';

/** Default cap on the total bytes of one response's data stream (the client's limit). */
export const DEFAULT_MAX_DATA_BYTES = 16 * 1024 * 1024;

/**
 * gpg-error sources (libgpg-error `err-sources.h.in`; values checked against libgpg-error 1.46's
 * installed `gpg-error.h`). A gpg-error value is `(source << 24) | code` with a 7-bit source.
 */
export const GPG_ERROR_SOURCE = {
  UNKNOWN: 0,
  GCRYPT: 1,
  GPG: 2,
  GPGSM: 3,
  GPG_AGENT: 4,
  PINENTRY: 5,
  SCD: 6,
  GPGME: 7,
  KEYBOX: 8,
  KSBA: 9,
  DIRMNGR: 10,
  GSTI: 11,
  GPA: 12,
  KLEO: 13,
  G13: 14,
  ASSUAN: 15,
  TPM2D: 16,
  TLS: 17,
  ANY: 31,
  USER_1: 32,
  USER_2: 33,
  USER_3: 34,
  USER_4: 35,
} as const;

/**
 * Flag bit of a gpg-error code that wraps an `errno` value (`GPG_ERR_SYSTEM_ERROR`, `1 << 15`):
 * `code & ~GPG_ERR_SYSTEM_ERROR` is then a libgpg-error errno index, not one of
 * {@link GPG_ERROR_CODE}.
 */
export const GPG_ERR_SYSTEM_ERROR = 0x8000;

/**
 * gpg-error codes (the low 16 bits of a gpg-error value) that Assuan peers commonly send, named as
 * in libgpg-error without the `GPG_ERR_` prefix. Every value was checked against libgpg-error's
 * `src/err-codes.h.in` (upstream master) and against the `gpg-error.h` installed by Debian's
 * libgpg-error-dev 1.46. The `ASS_*` range 257–281 is libassuan's own (272 is reserved and unused).
 */
export const GPG_ERROR_CODE = {
  NO_ERROR: 0,
  GENERAL: 1,
  PUBKEY_ALGO: 4,
  DIGEST_ALGO: 5,
  BAD_PUBKEY: 6,
  BAD_SECKEY: 7,
  BAD_SIGNATURE: 8,
  NO_PUBKEY: 9,
  BAD_PASSPHRASE: 11,
  NO_SECKEY: 17,
  WRONG_SECKEY: 18,
  NOT_FOUND: 27,
  SYNTAX: 29,
  INV_PASSPHRASE: 31,
  INV_ARG: 45,
  INV_VALUE: 55,
  NO_DATA: 58,
  BUG: 59,
  NOT_SUPPORTED: 60,
  INV_OP: 61,
  TIMEOUT: 62,
  INTERNAL: 63,
  TOO_SHORT: 66,
  TOO_LARGE: 67,
  NOT_IMPLEMENTED: 69,
  CONFLICT: 70,
  INCOMPLETE_LINE: 75,
  INV_RESPONSE: 76,
  NO_AGENT: 77,
  AGENT: 78,
  INV_DATA: 79,
  ASSUAN_SERVER_FAULT: 80,
  ASSUAN: 81,
  INV_SEXP: 83,
  UNSUPPORTED_ALGORITHM: 84,
  NO_PIN_ENTRY: 85,
  PIN_ENTRY: 86,
  BAD_PIN: 87,
  INV_NAME: 88,
  BAD_DATA: 89,
  INV_PARAMETER: 90,
  LINE_TOO_LONG: 97,
  CANCELED: 99,
  NOT_CONFIRMED: 114,
  INV_ID: 118,
  WRONG_KEY_USAGE: 125,
  MISSING_VALUE: 128,
  PIN_BLOCKED: 130,
  USE_CONDITIONS: 131,
  INV_LENGTH: 139,
  INV_STATE: 156,
  PROTOCOL_VIOLATION: 168,
  UNKNOWN_OPTION: 174,
  UNKNOWN_COMMAND: 175,
  NO_PASSPHRASE: 177,
  NO_PIN: 178,
  NOT_ENABLED: 179,
  LIMIT_REACHED: 183,
  INV_CURVE: 187,
  UNKNOWN_CURVE: 188,
  FULLY_CANCELED: 198,
  FORBIDDEN: 251,
  /** General IPC error. */
  ASS_GENERAL: 257,
  /** IPC accept call failed. */
  ASS_ACCEPT_FAILED: 258,
  /** IPC connect call failed. */
  ASS_CONNECT_FAILED: 259,
  /** Invalid IPC response. */
  ASS_INV_RESPONSE: 260,
  /** Invalid value passed to IPC. */
  ASS_INV_VALUE: 261,
  /** Incomplete line passed to IPC. */
  ASS_INCOMPLETE_LINE: 262,
  /** Line passed to IPC too long. */
  ASS_LINE_TOO_LONG: 263,
  /** Nested IPC commands. */
  ASS_NESTED_COMMANDS: 264,
  /** No data callback in IPC. */
  ASS_NO_DATA_CB: 265,
  /** No inquire callback in IPC. */
  ASS_NO_INQUIRE_CB: 266,
  /** Not an IPC server. */
  ASS_NOT_A_SERVER: 267,
  /** Not an IPC client. */
  ASS_NOT_A_CLIENT: 268,
  /** Problem starting IPC server. */
  ASS_SERVER_START: 269,
  /** IPC read error. */
  ASS_READ_ERROR: 270,
  /** IPC write error. */
  ASS_WRITE_ERROR: 271,
  /** Too much data for IPC layer (an inquiry's data exceeded the server's limit). */
  ASS_TOO_MUCH_DATA: 273,
  /** Unexpected IPC command (e.g. a command instead of D/END/CAN during an inquiry). */
  ASS_UNEXPECTED_CMD: 274,
  /** Unknown IPC command. */
  ASS_UNKNOWN_CMD: 275,
  /** IPC syntax error. */
  ASS_SYNTAX: 276,
  /** IPC call has been cancelled (the client answered an inquiry with CAN). */
  ASS_CANCELED: 277,
  /** No input source for IPC. */
  ASS_NO_INPUT: 278,
  /** No output source for IPC. */
  ASS_NO_OUTPUT: 279,
  /** IPC parameter error. */
  ASS_PARAMETER: 280,
  /** Unknown IPC inquire. */
  ASS_UNKNOWN_INQUIRE: 281,
  /** End of file (`GPG_ERR_EOF`, 16383): e.g. gpg-agent's KEYINFO/LISTKEYS iteration end. */
  EOF: 16383,
} as const;
