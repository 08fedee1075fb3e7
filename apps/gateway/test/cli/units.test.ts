/** The pieces of the key commands that need no child process: flags, exit codes, packets. */
import { createHash } from 'node:crypto';
import { ErrorCode, ProviderError } from '@keyroute/core';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../src/cli/commands/args.js';
import { CliError, CliUsageError, EXIT, exitCodeOf } from '../../src/cli/commands/errors.js';
import {
  armor,
  dearmor,
  isArmored,
  keyPacketAlgorithm,
  leftPad,
  mpi,
  parseSignature,
  readPackets,
  signatureFrame,
  signaturePacket,
} from '../../src/cli/commands/openpgp-packets.js';
import { table } from '../../src/cli/commands/listing.js';
import { appConfigSnippet } from '../../src/cli/commands/token.js';

describe('parseFlags', () => {
  const spec = { values: ['key', 'in'], switches: ['json'] };

  it('reads --name value, --name=value and switches; - is a value', () => {
    const flags = parseFlags(['--key', 'abc', '--in=-', '--json'], spec);
    expect(flags.value('key')).toBe('abc');
    expect(flags.value('in')).toBe('-');
    expect(flags.has('json')).toBe(true);
    expect(flags.value('out')).toBeUndefined();
  });

  it.each([
    [['--nope', 'x'], 'unknown flag --nope; known: --key, --in, --json'],
    [['--key'], '--key needs a value'],
    [['--key', '--json'], '--key needs a value'],
    [['--key', 'a', '--key', 'b'], '--key is given twice'],
    [['stray'], 'unexpected argument "stray"'],
    [['--json=yes'], '--json takes no value'],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseFlags(args, spec)).toThrow(CliUsageError);
    expect(() => parseFlags(args, spec)).toThrow(message);
  });

  it('checks choices and required flags', () => {
    const flags = parseFlags(['--key', 'x'], spec);
    expect(flags.choice('key', ['x', 'y'], 'y')).toBe('x');
    expect(() => flags.choice('key', ['a', 'b'], 'a')).toThrow(
      '--key must be one of a, b; got "x"',
    );
    expect(() => flags.required('in')).toThrow('--in is required');
  });
});

describe('exit codes', () => {
  it('maps every contract error code, and the command line errors', () => {
    const expected: Record<ErrorCode, number> = {
      KEY_NOT_FOUND: 3,
      DENIED: 4,
      UNAVAILABLE: 5,
      TIMEOUT: 5,
      INVALID_INPUT: 2,
      UNSUPPORTED: 1,
      LOCKED: 1,
      BAD_SECRET: 1,
      CANCELLED: 1,
      PROTOCOL: 1,
      INTERNAL: 1,
    };
    for (const code of Object.values(ErrorCode)) {
      expect(exitCodeOf(new ProviderError(code, 'x')), code).toBe(expected[code]);
    }
    expect(exitCodeOf(new CliUsageError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new CliError('x', EXIT.unavailable))).toBe(5);
    expect(exitCodeOf(new Error('x'))).toBe(1);
    expect(EXIT).toEqual({
      ok: 0,
      failure: 1,
      badSignature: 1,
      usage: 2,
      keyNotFound: 3,
      denied: 4,
      unavailable: 5,
    });
  });
});

describe('OpenPGP packets', () => {
  it('encodes MPIs with their bit count, without leading zeros', () => {
    expect([...mpi(Uint8Array.of(0, 0, 1))]).toEqual([0, 1, 1]);
    expect([...mpi(Uint8Array.of(0x80, 0))]).toEqual([0, 16, 0x80, 0]);
    expect([...mpi(Uint8Array.of(0x7f))]).toEqual([0, 7, 0x7f]);
    expect([...leftPad(Uint8Array.of(1), 3)]).toEqual([0, 0, 1]);
  });

  it('reads back a signature it made: hashed part, issuer, fields', () => {
    const fingerprint = 'AB'.repeat(20);
    const frame = signatureFrame({
      algorithm: 19,
      hash: 'sha256',
      fingerprint,
      created: new Date(1_700_000_000_000),
    });
    const digest = Uint8Array.of(0xde, 0xad, ...new Uint8Array(30));
    const raw = Uint8Array.from({ length: 64 }, (_, index) => index + 1);
    const packet = signaturePacket({ frame, algorithm: 19, digest, fingerprint, raw });
    const parsed = parseSignature(packet);
    expect(parsed.type).toBe(0);
    expect(parsed.algorithm).toBe(19);
    expect(parsed.hash).toBe('sha256');
    expect(parsed.issuerFingerprint).toBe(fingerprint);
    expect(parsed.issuerKeyId).toBe('AB'.repeat(8));
    expect([...parsed.left16]).toEqual([0xde, 0xad]);
    expect(Buffer.from(parsed.hashSuffix).equals(Buffer.from(frame.hashSuffix))).toBe(true);
    expect(Buffer.concat(parsed.fields.map((field) => Buffer.from(field)))).toEqual(
      Buffer.from(raw),
    );
    expect(readPackets(packet)).toHaveLength(1);
  });

  it('armors with a CRC-24 and dearmors, refusing a wrong checksum', () => {
    const binary = Uint8Array.from({ length: 200 }, (_, index) => (index * 7) & 0xff);
    const armored = armor('SIGNATURE', binary);
    expect(isArmored(armored)).toBe(true);
    expect(isArmored(binary)).toBe(false);
    expect(Buffer.from(dearmor(armored)).equals(Buffer.from(binary))).toBe(true);
    const text = Buffer.from(armored).toString('latin1');
    const broken = text.replace(/^=(.{4})$/m, '=AAAA');
    expect(() => dearmor(Buffer.from(broken, 'latin1'))).toThrow('checksum');
    expect(() => dearmor(Buffer.from('no armor here'))).toThrow('BEGIN PGP');
  });

  it('finds the algorithm of a v4 key packet by its fingerprint', () => {
    // A v4 EdDSALegacy key packet: version, time, algorithm 22, curve OID, point MPI.
    const oid = Uint8Array.of(9, 0x2b, 6, 1, 4, 1, 0xda, 0x47, 0x0f, 1);
    const body = Buffer.concat([
      Buffer.from([4, 0x65, 0, 0, 0, 22]),
      Buffer.from(oid),
      Buffer.from([1, 7, 0x40]),
      Buffer.alloc(32, 1),
    ]);
    const packet = Buffer.concat([Buffer.from([0xc6, body.length]), body]);
    const fingerprint = createHash('sha1')
      .update(Buffer.from([0x99, body.length >> 8, body.length & 0xff]))
      .update(body)
      .digest('hex');
    expect(keyPacketAlgorithm(packet, fingerprint)).toBe(22);
    expect(keyPacketAlgorithm(packet, '00'.repeat(20))).toBeUndefined();
  });
});

describe('output helpers', () => {
  it('pads table columns but the last', () => {
    expect(table(['A', 'BB'], [['xyz', 'q']])).toBe('A    BB\nxyz  q\n');
  });

  it('writes the apps[] entry as JSON', () => {
    expect(JSON.parse(appConfigSnippet('a "b"', 'ff'))).toEqual({
      name: 'a "b"',
      token: { sha256: 'ff' },
    });
  });
});
