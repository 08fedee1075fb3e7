/**
 * Parser of GnuPG's machine-readable status output (`--status-fd`, doc/DETAILS "Format of the
 * status messages"). Pure: nothing here spawns a process.
 *
 * Only a dedicated status descriptor may be parsed: stdout and stderr carry text an attacker can
 * shape (file names, user IDs), and a line that merely looks like a status line there is how
 * CVE-2018-12020 spoofed signatures.
 */

/** One `[GNUPG:] KEYWORD args…` line. */
export interface GnupgStatus {
  /** The keyword, e.g. `GOODSIG`, `SIG_CREATED`, `DECRYPTION_OKAY`. */
  readonly keyword: string;
  /** The arguments, split on single spaces; percent-escapes (`%0A`) are left as sent. */
  readonly args: readonly string[];
}

/** Every status line starts with exactly this (doc/DETAILS). */
const STATUS_PREFIX = '[GNUPG:] ';
const KEYWORD = /^[A-Z][A-Z0-9_]*$/;

/**
 * Parses what gpg or gpgsm wrote to its status descriptor (`--status-fd`).
 *
 * Keeps only complete lines (terminated by LF) that start exactly with `[GNUPG:] ` followed by an
 * upper-case keyword; anything else, including an unterminated last line of a process that was
 * killed mid-write, is ignored. Never pass stdout or stderr here.
 *
 * @param output - the bytes (decoded as UTF-8) or text of the status descriptor.
 * @returns the status lines in order. Never throws.
 */
export function parseStatusOutput(output: Uint8Array | string): GnupgStatus[] {
  const text = typeof output === 'string' ? output : new TextDecoder().decode(output);
  const lines = text.split('\n');
  // The piece after the last LF is not a complete line.
  lines.pop();
  const result: GnupgStatus[] = [];
  for (const rawLine of lines) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.startsWith(STATUS_PREFIX)) continue;
    const rest = line.slice(STATUS_PREFIX.length);
    const space = rest.indexOf(' ');
    const keyword = space === -1 ? rest : rest.slice(0, space);
    if (!KEYWORD.test(keyword)) continue;
    const args = space === -1 ? [] : rest.slice(space + 1).split(' ');
    result.push({ keyword, args });
  }
  return result;
}

/** The status lines with `keyword`. */
export function statusLines(status: readonly GnupgStatus[], keyword: string): GnupgStatus[] {
  return status.filter((line) => line.keyword === keyword);
}
