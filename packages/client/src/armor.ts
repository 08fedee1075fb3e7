/** CRC-24 of RFC 9580 §6.1, the checksum line of ASCII armor. */
function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit += 1) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/**
 * ASCII-armors a binary OpenPGP signature (RFC 9580 §6.2): the gateway answers binary, and the
 * contract's default for `format: 'openpgp'` is armored.
 */
export function armorSignature(binary: Uint8Array): Uint8Array {
  const body = Buffer.from(binary)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  const checksum = Buffer.from([
    crc24(binary) >> 16,
    (crc24(binary) >> 8) & 0xff,
    crc24(binary) & 0xff,
  ]).toString('base64');
  return new TextEncoder().encode(
    `-----BEGIN PGP SIGNATURE-----\n\n${body}\n=${checksum}\n-----END PGP SIGNATURE-----\n`,
  );
}
