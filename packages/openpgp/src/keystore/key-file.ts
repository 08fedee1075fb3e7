import { PublicKey, readKeys } from 'openpgp';
import type { Key, PrivateKey } from 'openpgp';
import { fingerprintOf } from './fingerprint.js';

/** A key file's content, parsed: the key, or why it cannot be used. */
export type ParsedKeyFile<K> =
  { readonly ok: true; readonly key: K } | { readonly ok: false; readonly reason: string };

function failed(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

async function readSingleKey(text: string): Promise<ParsedKeyFile<Key>> {
  let keys: Key[];
  try {
    keys = await readKeys({ armoredKeys: text });
  } catch (error) {
    const detail = error instanceof Error ? `: ${error.message}` : '';
    return failed(`not an armored OpenPGP key${detail}`);
  }
  const [key] = keys;
  if (key === undefined) return failed('holds no key');
  if (keys.length > 1) return failed(`holds ${keys.length} keys; a key file holds exactly one`);
  return { ok: true, key };
}

/**
 * Parses a `public/<FPR>.asc` file: exactly one armored certificate whose primary key
 * fingerprint is `expectedFingerprint`. A public file holding secret key material is refused
 * (it belongs in `secret/`, mode 0600), whatever else it holds.
 */
export async function parsePublicKeyFile(
  text: string,
  expectedFingerprint: string,
): Promise<ParsedKeyFile<PublicKey>> {
  const parsed = await readSingleKey(text);
  if (!parsed.ok) return parsed;
  const { key } = parsed;
  if (key.isPrivate() || !(key instanceof PublicKey)) {
    return failed('holds secret key material; secret keys belong in secret/ (mode 0600)');
  }
  const fingerprint = fingerprintOf(key);
  if (fingerprint !== expectedFingerprint) {
    return failed(`holds the key ${fingerprint}, not the one its name says`);
  }
  return { ok: true, key };
}

/**
 * Parses a `secret/<FPR>.asc` file: exactly one armored secret key (still encrypted when it was
 * stored so) whose primary key fingerprint is `expectedFingerprint`.
 */
export async function parseSecretKeyFile(
  text: string,
  expectedFingerprint: string,
): Promise<ParsedKeyFile<PrivateKey>> {
  const parsed = await readSingleKey(text);
  if (!parsed.ok) return parsed;
  if (!parsed.key.isPrivate()) return failed('holds no secret key material');
  const fingerprint = fingerprintOf(parsed.key);
  if (fingerprint !== expectedFingerprint) {
    return failed(`holds the key ${fingerprint}, not the one its name says`);
  }
  return { ok: true, key: parsed.key };
}
