import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Builds the message every "tool is missing" failure uses, so that a reader of a failed CI log
 * knows exactly which Debian package to install.
 */
export function missingToolMessage(what: string, debianPackage: string): string {
  return `${what} not found: install the Debian package "${debianPackage}" (apt-get install -y ${debianPackage})`;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `command` to an absolute path by searching `PATH` (or checks it directly when it
 * already contains a slash).
 *
 * @param command - executable name such as `gpg` or `pkcs11-tool`.
 * @param debianPackage - the Debian package that ships it, named in the error.
 * @returns the absolute path of the executable.
 * @throws Error `"<command> not found: install the Debian package "<pkg>" (apt-get install -y <pkg>)"`
 *   when no executable is found.
 */
export async function requireTool(command: string, debianPackage: string): Promise<string> {
  const candidates = command.includes('/')
    ? [command]
    : (process.env['PATH'] ?? '')
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new Error(missingToolMessage(command, debianPackage));
}

/** Where Debian, Fedora and source builds put the SoftHSM2 PKCS#11 module. */
const SOFTHSM_MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/softhsm/libsofthsm2.so`,
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/lib64/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
] as const;

/**
 * Finds the SoftHSM2 PKCS#11 module (`libsofthsm2.so`).
 *
 * @returns its absolute path (the first candidate that exists, e.g. `/usr/lib/softhsm/libsofthsm2.so`).
 * @throws Error naming the Debian package `softhsm2` when the module is not installed.
 */
export async function requireSoftHsmModule(): Promise<string> {
  for (const candidate of SOFTHSM_MODULE_CANDIDATES) {
    try {
      await access(candidate, constants.R_OK);
      return candidate;
    } catch {
      // Not at this location: try the next one.
    }
  }
  throw new Error(missingToolMessage('libsofthsm2.so', 'softhsm2'));
}
