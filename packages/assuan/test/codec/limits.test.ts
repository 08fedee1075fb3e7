/**
 * Resource limits of the parsers on large streams, generated lazily in chunks (never allocated at
 * once): a 100 MB data response passes through in bounded memory, and a data cap stops it at the
 * limit instead of after 100 MB.
 */
import { describe, expect, it } from 'vitest';
import { encodeData } from '../../src/codec/encode.js';
import { ClientMessageParser, ServerMessageParser } from '../../src/codec/parser.js';
import { AssuanProtocolError } from '../../src/errors.js';

const MB = 1024 * 1024;

/**
 * Yields encoded D lines carrying `totalBytes` of data (with bytes that need escaping), then `tail`,
 * in chunks of about 64 KiB that do not line up with line boundaries.
 */
function* dataStream(totalBytes: number, tail: Uint8Array): Generator<Uint8Array> {
  const block = new Uint8Array(48 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 37) & 0xff;
  const encodedBlock = encodeData(block);
  let sent = 0;
  let carry = new Uint8Array(0);
  while (sent < totalBytes) {
    const part =
      totalBytes - sent >= block.length
        ? encodedBlock
        : encodeData(block.subarray(0, totalBytes - sent));
    sent += Math.min(block.length, totalBytes - sent);
    // Re-cut so that chunks straddle lines: 7 bytes of the previous block lead the next chunk.
    const chunk = new Uint8Array(carry.length + part.length - 7);
    chunk.set(carry);
    chunk.set(part.subarray(0, part.length - 7), carry.length);
    carry = part.slice(part.length - 7);
    yield chunk;
  }
  const last = new Uint8Array(carry.length + tail.length);
  last.set(carry);
  last.set(tail, carry.length);
  yield last;
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / MB;
}

describe('a 100 MB data stream', () => {
  it('passes through the server parser in bounded memory', () => {
    const parser = new ServerMessageParser({ maxDataBytes: 200 * MB });
    const before = heapMb();
    let peak = before;
    let data = 0;
    let oks = 0;
    let chunks = 0;
    for (const chunk of dataStream(100 * MB, new TextEncoder().encode('OK\n'))) {
      for (const message of parser.push(chunk)) {
        if (message.type === 'data') data += message.data.length;
        else if (message.type === 'ok') oks++;
      }
      if (++chunks % 200 === 0) peak = Math.max(peak, heapMb());
    }
    parser.finish();
    expect(data).toBe(100 * MB);
    expect(oks).toBe(1);
    // The stream is ~100 MB; holding it would show up here. Garbage may linger, so be generous.
    expect(peak - before).toBeLessThan(80);
  });

  it.each([
    ['ServerMessageParser', () => new ServerMessageParser({ maxDataBytes: 10 * MB })],
    ['ClientMessageParser', () => new ClientMessageParser({ maxDataBytes: 10 * MB })],
  ])('is stopped by maxDataBytes at the limit (%s)', (_, make) => {
    const parser = make();
    let generated = 0;
    let data = 0;
    let error: unknown;
    try {
      for (const chunk of dataStream(100 * MB, new TextEncoder().encode('END\n'))) {
        generated += chunk.length;
        for (const message of parser.push(chunk)) {
          if (message.type === 'data') data += message.data.length;
        }
      }
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AssuanProtocolError);
    expect((error as AssuanProtocolError).reason).toBe('data-limit');
    expect(parser.failed).toBe(error);
    // It failed within the chunk that crossed the limit: about 10 MB of 100 MB were generated.
    expect(data).toBeLessThanOrEqual(10 * MB);
    expect(generated).toBeLessThan(11 * MB);
  });
});
