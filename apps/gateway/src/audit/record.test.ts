import { hasErrorCode } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  hashLine,
  hashLineBytes,
  parseAuditLine,
  serializeAuditRecord,
} from './record.js';
import type { AuditRecord } from './record.js';

const record: AuditRecord = {
  seq: 7,
  time: '2025-01-02T03:04:05.678Z',
  requestId: 'req-1',
  app: 'billing',
  op: 'sign',
  key: 'openpgp:0123456789ABCDEF',
  provider: 'openpgp',
  outcome: 'error',
  code: 'BAD_SECRET',
  status: 403,
  durationMs: 12.5,
  prev: 'ab'.repeat(32),
};

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('serializeAuditRecord', () => {
  it('writes the fields in a fixed order, whatever the order of the object', () => {
    const shuffled = Object.fromEntries(Object.entries(record).reverse()) as unknown as AuditRecord;
    const line = serializeAuditRecord(shuffled);
    expect(line).toBe(
      '{"seq":7,"time":"2025-01-02T03:04:05.678Z","requestId":"req-1","app":"billing","op":"sign",' +
        '"key":"openpgp:0123456789ABCDEF","provider":"openpgp","outcome":"error","code":"BAD_SECRET",' +
        `"status":403,"durationMs":12.5,"prev":"${'ab'.repeat(32)}"}`,
    );
    expect(line).not.toContain('\n');
  });

  it('leaves out absent optional fields and keeps a null app', () => {
    const line = serializeAuditRecord({
      seq: 1,
      time: record.time,
      requestId: 'r',
      app: null,
      op: 'auth',
      outcome: 'denied',
      durationMs: 0,
      prev: GENESIS_HASH,
    });
    expect(JSON.parse(line)).toEqual({
      seq: 1,
      time: record.time,
      requestId: 'r',
      app: null,
      op: 'auth',
      outcome: 'denied',
      durationMs: 0,
      prev: GENESIS_HASH,
    });
  });

  it.each([
    ['data', 'SGVsbG8gY2FuYXJ5'],
    ['pin', '123456-canary'],
    ['passphrase', 'canary passphrase'],
    ['plaintext', 'canary plaintext'],
    ['headers', { authorization: 'Bearer canary' }],
  ])('refuses a %s field sneaked in, without quoting its value', (name, value) => {
    const error = thrown(() => serializeAuditRecord({ ...record, [name]: value }));
    expect(hasErrorCode(error, 'INTERNAL')).toBe(true);
    expect((error as Error).message).toContain(`"${name}"`);
    expect((error as Error).message).not.toContain('canary');
  });

  it.each([
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['an escape sequence', '\u001b[31mred'],
    ['a lone surrogate', 'a\ud800b'],
  ])('refuses a string holding %s', (_what, value) => {
    for (const field of ['requestId', 'app', 'op', 'key', 'provider', 'code']) {
      const error = thrown(() => serializeAuditRecord({ ...record, [field]: value }));
      expect(hasErrorCode(error, 'INTERNAL')).toBe(true);
    }
  });

  it('accepts 512 characters (astral ones too) and refuses 513', () => {
    expect(() => serializeAuditRecord({ ...record, key: 'k'.repeat(512) })).not.toThrow();
    expect(() => serializeAuditRecord({ ...record, key: '😀'.repeat(256) })).not.toThrow();
    const error = thrown(() => serializeAuditRecord({ ...record, key: 'k'.repeat(513) }));
    expect(hasErrorCode(error, 'INTERNAL')).toBe(true);
  });

  it.each([
    ['a Buffer as key', { key: Buffer.from('canary') }],
    ['an object as op', { op: { sign: true } }],
    ['an empty requestId', { requestId: '' }],
    ['a missing requestId', { requestId: undefined }],
    ['a status that is not HTTP', { status: 42 }],
    ['a fractional status', { status: 200.5 }],
    ['a negative duration', { durationMs: -1 }],
    ['an infinite duration', { durationMs: Number.POSITIVE_INFINITY }],
    ['an unknown outcome', { outcome: 'maybe' }],
    ['a seq of 0', { seq: 0 }],
    ['a time that is not ISO', { time: 'yesterday' }],
    ['an uppercase prev', { prev: 'AB'.repeat(32) }],
    ['a short prev', { prev: 'ab' }],
  ])('refuses %s', (_what, change) => {
    const error = thrown(() => serializeAuditRecord({ ...record, ...change } as AuditRecord));
    expect(hasErrorCode(error, 'INTERNAL')).toBe(true);
  });
});

/** `record` as JSON with `seq` moved to the end. */
function seqLast({ seq, ...others }: AuditRecord): string {
  return JSON.stringify({ ...others, seq });
}

describe('parseAuditLine', () => {
  it('reads back what serializeAuditRecord wrote', () => {
    const line = serializeAuditRecord(record);
    expect(parseAuditLine(line)).toEqual(record);
  });

  it.each([
    ['not JSON', '{"seq":1,'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a missing field', serializeAuditRecord(record).replace(',"op":"sign"', '')],
    ['an extra field', serializeAuditRecord(record).replace('}', ',"pin":"1"}')],
    ['a field of the wrong type', serializeAuditRecord(record).replace('"seq":7', '"seq":"7"')],
    ['another field order', seqLast(record)],
    ['extra spacing', serializeAuditRecord(record).replace('"seq":7', '"seq": 7')],
    ['a repeated field', serializeAuditRecord(record).replace('"seq":7', '"seq":6,"seq":7')],
    ['an escaped control character', serializeAuditRecord(record).replace('req-1', 'req\\n1')],
  ])('refuses %s with PROTOCOL', (_what, line) => {
    expect(
      hasErrorCode(
        thrown(() => parseAuditLine(line)),
        'PROTOCOL',
      ),
    ).toBe(true);
  });
});

describe('hashLine', () => {
  it('is the SHA-256 of the UTF-8 bytes, in lowercase hex', () => {
    expect(hashLine('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hashLine('é😀')).toBe(hashLineBytes(Buffer.from('é😀', 'utf8')));
  });

  it('has a genesis of 64 zeros', () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});
