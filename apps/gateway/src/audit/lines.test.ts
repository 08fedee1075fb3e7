import { describe, expect, it } from 'vitest';
import { LineSplitter, countNewlines } from './lines.js';

function splitIn(text: string, chunkSize: number): { lines: string[]; rest: string | undefined } {
  const splitter = new LineSplitter();
  const bytes = Buffer.from(text);
  const lines: string[] = [];
  for (let start = 0; start < bytes.byteLength; start += chunkSize) {
    for (const line of splitter.push(bytes.subarray(start, start + chunkSize))) {
      lines.push(line.toString());
    }
  }
  return { lines, rest: splitter.rest()?.toString() };
}

describe('LineSplitter', () => {
  it('gives the same lines whatever the chunk size', () => {
    const text = 'first\nsecond line\n\nfourth é😀\n';
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect(splitIn(text, size)).toEqual({
        lines: ['first', 'second line', '', 'fourth é😀'],
        rest: undefined,
      });
    }
  });

  it('holds the bytes after the last newline', () => {
    for (const size of [1, 4, 100]) {
      expect(splitIn('one\ntwo\nthr', size)).toEqual({ lines: ['one', 'two'], rest: 'thr' });
    }
    const splitter = new LineSplitter();
    splitter.push(Buffer.from('ab'));
    expect(splitter.pendingBytes).toBe(2);
  });

  it('keeps \\r as part of a line (exact bytes)', () => {
    expect(splitIn('a\r\nb\n', 2).lines).toEqual(['a\r', 'b']);
  });
});

describe('countNewlines', () => {
  it('counts newline bytes', () => {
    expect(countNewlines(Buffer.from(''))).toBe(0);
    expect(countNewlines(Buffer.from('a\nb\n\n'))).toBe(3);
  });
});
