/**
 * Decoding of raw attribute values as pkcs11js returns them (Buffers in the module's native
 * layout). Pure.
 */

/** A `CK_BBOOL`: one byte, non-zero is true. Undefined when absent. */
export function decodeBoolean(value: Buffer | undefined): boolean | undefined {
  if (value === undefined || value.length === 0) return undefined;
  return value.some((byte) => byte !== 0);
}

/** A `CK_ULONG` in native (little-endian) order, 4 or 8 bytes. */
export function decodeUlong(value: Buffer | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.length === 8) return Number(value.readBigUInt64LE(0));
  if (value.length === 4) return value.readUInt32LE(0);
  return undefined;
}

/** A UTF-8 string attribute (`CKA_LABEL`). */
export function decodeText(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.toString('utf8');
}

/** Encodes a `CK_ULONG` for a search template (pkcs11js takes numbers directly). */
export function lowerHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
