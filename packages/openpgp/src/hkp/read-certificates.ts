import { ProviderError } from '@keyroute/core';
import type { ErrorCode } from '@keyroute/core';
import { readKeys } from 'openpgp';
import type { Key } from 'openpgp';

const BLOCK =
  /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;

/** The armored key blocks in `text`, in order (text around them, such as HTML, is ignored). */
export function armoredKeyBlocks(text: string): string[] {
  return [...text.matchAll(BLOCK)].map((match) => match[0]);
}

/** True when `bytes` start like a binary OpenPGP packet (the tag byte has its top bit set). */
function looksBinary(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && ((bytes[0] ?? 0) & 0x80) !== 0;
}

/**
 * The keys in a keyserver answer or a key file: armored (one or more key blocks, anywhere in
 * the text) or binary (a keyring). Secret keys are returned as read; callers keep only their
 * public part.
 *
 * @param what - names the source in errors: `the file /x.asc`, `http://…`.
 * @param code - the error code of unparseable content: `INVALID_INPUT` for a file given by the
 *   caller, `PROTOCOL` for a server's answer.
 * @throws ProviderError `code` when nothing parses as a key.
 */
export async function readCertificates(
  bytes: Uint8Array,
  what: string,
  code: ErrorCode,
): Promise<Key[]> {
  try {
    if (looksBinary(bytes)) return await readKeys({ binaryKeys: bytes });
    const blocks = armoredKeyBlocks(new TextDecoder().decode(bytes));
    if (blocks.length === 0) throw new Error('no armored OpenPGP key block');
    const keys: Key[] = [];
    for (const block of blocks) keys.push(...(await readKeys({ armoredKeys: block })));
    return keys;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProviderError(code, `${what} holds no readable OpenPGP certificate: ${reason}`, {
      cause: error,
    });
  }
}
