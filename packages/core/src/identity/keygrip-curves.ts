import { EC_CURVES, type EcCurve } from '../contract/algorithms.js';
import { bigIntToBytes } from '../encoding/bytes.js';
import { EC_CURVE_PARAMETERS } from '../encoding/ec-curves.js';

/**
 * Curve domain parameters exactly as libgcrypt's curve table (cipher/ecc-curves.c) holds them,
 * because an ECC keygrip hashes them: big-endian hex, with libgcrypt's quirks kept.
 *
 * - Ed25519: libgcrypt writes `a = -1` and `d` as `-(p - d)`, and the keygrip hashes the
 *   magnitudes: `a` becomes `01`, `b` becomes `p - d`.
 * - Curve25519 and X448 (Montgomery): `a` is `(A - 2) / 4` and `b` is `1`; Curve25519's
 *   `gy` is the value before RFC 7748 erratum 4730 (libgcrypt keeps it for its keygrips).
 * - The keygrip's `g` is `04 ‖ gx ‖ gy`, each coordinate padded to the size of `p`.
 */
export interface GripCurve {
  readonly p: string;
  readonly a: string;
  readonly b: string;
  readonly n: string;
  readonly gx: string;
  readonly gy: string;
}

/** The libgcrypt curves keyroute grips: the contract's {@link EcCurve}s and the RFC 8410 curves. */
export type GripCurveName = EcCurve | 'Ed25519' | 'Curve25519' | 'Ed448' | 'X448';

const P25519 = '7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed';
const N25519 = '1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed';
const P448 =
  'fffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffffff';
const N448 =
  '3fffffffffffffffffffffffffffffffffffffffffffffffffffffff7cca23e9c44edb49aed63690216cc2728dc58f552378c292ab5844f3';

// The contract's Weierstrass curves come from the one curve table, each value written as
// libgcrypt writes them: big-endian, zero-padded to the size of p.
const WEIERSTRASS = Object.fromEntries(
  EC_CURVES.map((name) => {
    const curve = EC_CURVE_PARAMETERS[name];
    const hex = (value: bigint): string =>
      Buffer.from(bigIntToBytes(value, curve.fieldBytes)).toString('hex');
    const grip: GripCurve = {
      p: hex(curve.p),
      a: hex(curve.a),
      b: hex(curve.b),
      n: hex(curve.n),
      gx: hex(curve.gx),
      gy: hex(curve.gy),
    };
    return [name, grip];
  }),
) as Record<EcCurve, GripCurve>;

/** Domain parameters per curve, as hashed into keygrips. */
export const GRIP_CURVES: Readonly<Record<GripCurveName, GripCurve>> = {
  ...WEIERSTRASS,
  Ed25519: {
    p: P25519,
    a: '01',
    b: '2dfc9311d490018c7338bf8688861767ff8ff5b2bebe27548a14b235eca6874a',
    n: N25519,
    gx: '216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a',
    gy: '6666666666666666666666666666666666666666666666666666666666666658',
  },
  Curve25519: {
    p: P25519,
    a: '01db41',
    b: '01',
    n: N25519,
    gx: '09',
    gy: '20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9',
  },
  Ed448: {
    p: P448,
    a: '01',
    b:
      'fffffffffffffffffffffffffffffffffffffffffffffffffffffffe' +
      'ffffffffffffffffffffffffffffffffffffffffffffffffffff6756',
    n: N448,
    gx:
      '4f1970c66bed0ded221d15a622bf36da9e146570470f1767ea6de324a3d3a464' +
      '12ae1af72ab66511433b80e18b00938e2626a82bc70cc05e',
    gy:
      '693f46716eb6bc248876203756c9c7624bea73736ca3984087789c1e05a0c2d7' +
      '3ad3ff1ce67c39c4fdbd132c4ed7c8ad9808795bf230fa14',
  },
  X448: {
    p: P448,
    a: '98a9',
    b: '01',
    n: N448,
    gx: '05',
    gy:
      '7d235d1295f5b1f66c98ab6e58326fcecbae5d34f55545d060f75dc28df3f6ed' +
      'b8027e2346430d211312c4b150677af76fd7223d457b5b1a',
  },
};
