/**
 * Runs a parser over the same input three ways — whole, byte by byte, and split in two at every
 * offset — and checks that every way yields the same messages (or fails with the same reason).
 */
import { expect } from 'vitest';
import { AssuanProtocolError } from '../../src/errors.js';
import type { AssuanProtocolErrorReason } from '../../src/errors.js';

/** The common shape of ServerMessageParser and ClientMessageParser. */
export interface MessageParser<M> {
  push(chunk: Uint8Array): M[];
  finish(): void;
  readonly failed: AssuanProtocolError | undefined;
}

/** Every chunking of `input` the three ways use, with a label for failure messages. */
export function* chunkings(input: Uint8Array): Generator<{ label: string; chunks: Uint8Array[] }> {
  yield { label: 'whole input', chunks: [input] };
  yield {
    label: 'byte by byte',
    chunks: Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1)),
  };
  for (let k = 0; k <= input.length; k++) {
    yield { label: `split at ${k}`, chunks: [input.subarray(0, k), input.subarray(k)] };
  }
}

type Outcome<M> =
  { ok: true; messages: M[] } | { ok: false; error: AssuanProtocolError; messages: M[] };

/** Feeds the chunks (copied into a reused buffer, so aliasing bugs show) and calls `finish`. */
export function run<M>(parser: MessageParser<M>, chunks: readonly Uint8Array[]): Outcome<M> {
  const messages: M[] = [];
  const scratch = new Uint8Array(Math.max(0, ...chunks.map((c) => c.length)));
  try {
    for (const chunk of chunks) {
      const copy = scratch.subarray(0, chunk.length);
      copy.set(chunk);
      messages.push(...parser.push(copy));
      copy.fill(0xee);
    }
    parser.finish();
    return { ok: true, messages };
  } catch (error) {
    if (!(error instanceof AssuanProtocolError)) throw error;
    return { ok: false, error, messages };
  }
}

/**
 * Parses `input` all three ways and expects identical messages and no error.
 *
 * @returns the messages.
 */
export function parseThreeWays<M>(make: () => MessageParser<M>, input: Uint8Array): M[] {
  const whole = run(make(), [input]);
  if (!whole.ok) throw whole.error;
  const expected = fingerprint(whole.messages);
  for (const { label, chunks } of chunkings(input)) {
    const outcome = run(make(), chunks);
    if (!outcome.ok)
      throw new Error(`${label}: ${outcome.error.message}`, { cause: outcome.error });
    // A cheap comparison first: deep equality of many typed arrays is slow in vitest.
    if (fingerprint(outcome.messages) !== expected) {
      expect(outcome.messages, label).toEqual(whole.messages);
    }
  }
  return whole.messages;
}

/** A canonical string of messages: byte arrays as hex. */
export function fingerprint(messages: readonly unknown[]): string {
  return JSON.stringify(messages, (_, value: unknown) =>
    value instanceof Uint8Array ? `hex:${Buffer.from(value).toString('hex')}` : value,
  );
}

/**
 * Expects every way to fail with `reason`, and the parser to stay dead: `failed` holds the error
 * and a further `push` throws that same error.
 *
 * @returns the error of the whole-input run.
 */
export function expectFailureThreeWays<M>(
  make: () => MessageParser<M>,
  input: Uint8Array,
  reason: AssuanProtocolErrorReason,
): AssuanProtocolError {
  let first: AssuanProtocolError | undefined;
  for (const { label, chunks } of chunkings(input)) {
    const parser = make();
    const outcome = run(parser, chunks);
    expect(outcome.ok, `${label}: expected ${reason}`).toBe(false);
    if (outcome.ok) continue;
    expect(outcome.error.reason, `${label}: ${outcome.error.message}`).toBe(reason);
    expect(parser.failed, label).toBe(outcome.error);
    expect(() => parser.push(new Uint8Array([0x4f, 0x4b, 0x0a])), label).toThrow(outcome.error);
    expect(() => {
      parser.finish();
    }, label).toThrow(outcome.error);
    first ??= outcome.error;
  }
  if (first === undefined) throw new Error('unreachable: no chunking ran');
  return first;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text` (test inputs are mostly ASCII protocol text). */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes from a latin1 string: each char one byte (for binary test inputs). */
export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
