// The curve constants and point arithmetic behind bigint ECDSA, checked against OpenSSL.
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { EC_CURVES } from '../../src/contract/algorithms.js';
import { bytesToBigInt } from '../../src/encoding/bytes.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import { ecPrivateScalar } from '../../src/software/ec-private-key.js';
import {
  decodePoint,
  encodePoint,
  multiplyAndAdd,
  multiplyBase,
} from '../../src/software/ec-point.js';
import { ecPublicPoint } from '../../src/software/public-key.js';
import { openssl } from './openssl.js';

/** Parses `openssl ecparam -param_enc explicit -text` into its named numbers. */
function parseExplicitParameters(text: string): Map<string, bigint> {
  const values = new Map<string, bigint>();
  let name: string | undefined;
  let hex = '';
  const flush = (): void => {
    if (name !== undefined && hex !== '') values.set(name, BigInt(`0x${hex}`));
    name = undefined;
    hex = '';
  };
  for (const line of text.split('\n')) {
    const header = /^([A-Za-z][A-Za-z ()]*):\s*(.*)$/.exec(line);
    if (header) {
      flush();
      name = header[1];
      // Small values sit on the header line: "A:    0", "B:    7 (0x7)".
      const inline = /^(\d+)(?: \(0x[0-9a-f]+\))?$/.exec(header[2] ?? '');
      if (inline?.[1] !== undefined) hex = BigInt(inline[1]).toString(16);
    } else if (name !== undefined) {
      hex += line.replace(/[\s:]/g, '');
    }
  }
  flush();
  return values;
}

describe.each(EC_CURVES)('%s', (curve) => {
  const parameters = EC_CURVE_PARAMETERS[curve];

  it('has the domain parameters OpenSSL has', async () => {
    const text = await openssl([
      'ecparam',
      '-name',
      parameters.opensslName,
      '-param_enc',
      'explicit',
      '-text',
      '-noout',
    ]);
    const values = parseExplicitParameters(text.toString());
    expect(values.get('Prime')).toBe(parameters.p);
    expect(values.get('A')).toBe(parameters.a);
    expect(values.get('B')).toBe(parameters.b);
    expect(values.get('Order')).toBe(parameters.n);
    expect(values.get('Cofactor')).toBe(1n);
    const generator = values.get('Generator (uncompressed)');
    expect(generator?.toString(16)).toBe(
      `4${parameters.gx.toString(16).padStart(2 * parameters.fieldBytes, '0')}${parameters.gy
        .toString(16)
        .padStart(2 * parameters.fieldBytes, '0')}`,
    );
  });

  it('has a base point of order n', () => {
    const g = { x: parameters.gx, y: parameters.gy };
    expect(decodePoint(parameters, encodePoint(parameters, g))).toEqual(g);
    expect(multiplyBase(parameters, parameters.n)).toBeUndefined();
    expect(multiplyBase(parameters, parameters.n - 1n)).toEqual({ x: g.x, y: parameters.p - g.y });
    expect(multiplyBase(parameters, 1n)).toEqual(g);
    // 2G both ways: doubling inside the ladder and adding G to itself.
    expect(multiplyBase(parameters, 2n)).toEqual(multiplyAndAdd(parameters, 1n, 1n, g));
  });

  it('derives the public key OpenSSL derives from a private key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', {
      namedCurve: parameters.opensslName,
    });
    const d = bytesToBigInt(ecPrivateScalar(privateKey));
    const expected = ecPublicPoint(publicKey.export({ format: 'der', type: 'spki' }), curve);
    const derived = multiplyBase(parameters, d);
    expect(derived).toBeDefined();
    if (derived === undefined) return;
    expect(Buffer.from(encodePoint(parameters, derived)).equals(Buffer.from(expected))).toBe(true);
    const compressed = ECDH.convertKey(
      expected,
      parameters.opensslName,
      undefined,
      undefined,
      'compressed',
    );
    expect(decodePoint(parameters, compressed as Buffer)).toEqual(derived);
  });

  it('refuses points that are off the curve or badly encoded', () => {
    const size = parameters.fieldBytes;
    const g = encodePoint(parameters, { x: parameters.gx, y: parameters.gy });
    const offCurve = Uint8Array.from(g);
    offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] ?? 0) ^ 1;
    expect(decodePoint(parameters, offCurve)).toBeUndefined();
    expect(decodePoint(parameters, g.subarray(0, g.length - 1))).toBeUndefined();
    expect(decodePoint(parameters, Uint8Array.of(0))).toBeUndefined();
    const xTooBig = new Uint8Array(1 + size).fill(0xff);
    xTooBig[0] = 0x02;
    expect(decodePoint(parameters, xTooBig)).toBeUndefined();
    const wrongPrefix = Uint8Array.from(g);
    wrongPrefix[0] = 0x05;
    expect(decodePoint(parameters, wrongPrefix)).toBeUndefined();
  });
});
