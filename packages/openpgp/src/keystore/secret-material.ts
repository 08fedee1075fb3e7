import type { PrivateKey } from 'openpgp';

interface MaybeSecretPacket {
  isDecrypted(): boolean | null;
  isDummy?: () => boolean;
}

/**
 * True when some (sub)key of `key` holds secret material that is not encrypted with a
 * passphrase. Stubs (GnuPG `gnu-dummy` keys, whose material lives elsewhere) and public subkey
 * packets hold none.
 */
export function hasUnencryptedSecretMaterial(key: PrivateKey): boolean {
  return key.getKeys().some((component) => {
    const packet = component.keyPacket as MaybeSecretPacket;
    if (packet.isDummy?.() === true) return false;
    return packet.isDecrypted() === true;
  });
}
