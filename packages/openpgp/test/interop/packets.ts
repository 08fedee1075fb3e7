import { deflateSync } from 'node:zlib';
import { unarmor } from 'openpgp';

/** One top-level OpenPGP packet: its tag and its body (partial body chunks joined). */
export interface RawPacket {
  readonly tag: number;
  readonly body: Uint8Array;
}

/** Joins byte strings. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The binary form of an armored block (`-----BEGIN PGP …`), or `bytes` when not armored. */
export async function binaryOf(bytes: Uint8Array): Promise<Uint8Array> {
  const text = Buffer.from(bytes).toString('latin1').trimStart();
  if (!text.startsWith('-----BEGIN PGP ')) return bytes;
  const data: unknown = (await unarmor(Buffer.from(bytes).toString('utf8'))).data;
  if (!(data instanceof Uint8Array)) throw new Error('unarmor returned a stream');
  return data;
}

function byteAt(bytes: Uint8Array, offset: number): number {
  const value = bytes[offset];
  if (value === undefined) throw new Error(`truncated packet at offset ${offset}`);
  return value;
}

/** A new-format body length at `offset`: its value, header size, and whether it is partial. */
function newLength(bytes: Uint8Array, offset: number): [number, number, boolean] {
  const first = byteAt(bytes, offset);
  if (first < 192) return [first, 1, false];
  if (first < 224) return [((first - 192) << 8) + byteAt(bytes, offset + 1) + 192, 2, false];
  if (first < 255) return [1 << (first & 0x1f), 1, true];
  return [Buffer.from(bytes.subarray(offset + 1, offset + 5)).readUInt32BE(0), 5, false];
}

/** Splits binary OpenPGP data into its top-level packets (old and new format headers). */
export function readPackets(bytes: Uint8Array): RawPacket[] {
  const packets: RawPacket[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const ctb = byteAt(bytes, offset);
    if ((ctb & 0x80) === 0) throw new Error(`not a packet header at offset ${offset}`);
    offset += 1;
    if ((ctb & 0x40) === 0) {
      const lengthType = ctb & 0x03;
      const size = [1, 2, 4, 0][lengthType] ?? 0;
      const length =
        size === 0 ? bytes.length - offset : Buffer.from(bytes).readUIntBE(offset, size);
      offset += size;
      packets.push({ tag: (ctb >> 2) & 0x0f, body: bytes.subarray(offset, offset + length) });
      offset += length;
      continue;
    }
    const chunks: Uint8Array[] = [];
    for (;;) {
      const [length, size, partial] = newLength(bytes, offset);
      offset += size;
      chunks.push(bytes.subarray(offset, offset + length));
      offset += length;
      if (!partial) break;
    }
    packets.push({ tag: ctb & 0x3f, body: concat(...chunks) });
  }
  return packets;
}

/** A new-format packet with a one-, two- or five-octet length. */
export function packet(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const length =
    n < 192
      ? [n]
      : n < 8384
        ? [((n - 192) >> 8) + 192, (n - 192) & 0xff]
        : [255, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return concat(new Uint8Array([0xc0 | tag, ...length]), body);
}

/** A literal data packet (tag 11), binary format, no file name. */
export function literalPacket(data: Uint8Array, created = new Date()): Uint8Array {
  const header = Buffer.alloc(6);
  header.writeUInt8(0x62, 0);
  header.writeUInt8(0, 1);
  header.writeUInt32BE(Math.floor(created.getTime() / 1000), 2);
  return packet(11, concat(header, data));
}

/** A compressed data packet (tag 8, ZLIB) holding `inner` (packets). */
export function compressedPacket(inner: Uint8Array): Uint8Array {
  return packet(8, concat(new Uint8Array([2]), deflateSync(inner)));
}
