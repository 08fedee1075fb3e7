import type { EcCurve } from '../contract/algorithms.js';

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

/** Domain parameters per curve, as hashed into keygrips. */
export const GRIP_CURVES: Readonly<Record<GripCurveName, GripCurve>> = {
  'P-256': {
    p: 'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff',
    a: 'ffffffff00000001000000000000000000000000fffffffffffffffffffffffc',
    b: '5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b',
    n: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    gx: '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296',
    gy: '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
  },
  'P-384': {
    p:
      'fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe' +
      'ffffffff0000000000000000ffffffff',
    a:
      'fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe' +
      'ffffffff0000000000000000fffffffc',
    b:
      'b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a' +
      'c656398d8a2ed19d2a85c8edd3ec2aef',
    n:
      'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf' +
      '581a0db248b0a77aecec196accc52973',
    gx:
      'aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38' +
      '5502f25dbf55296c3a545e3872760ab7',
    gy:
      '3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0' +
      '0a60b1ce1d7e819d7a431d7c90ea0e5f',
  },
  'P-521': {
    p: '01' + 'ff'.repeat(65),
    a: '01' + 'ff'.repeat(64) + 'fc',
    b:
      '0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1' +
      '09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00',
    n:
      '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
      'fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    gx:
      '00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d' +
      '3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66',
    gy:
      '011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e' +
      '662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650',
  },
  secp256k1: {
    p: 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f',
    a: '00',
    b: '07',
    n: 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141',
    gx: '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    gy: '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
  },
  brainpoolP256r1: {
    p: 'a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377',
    a: '7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9',
    b: '26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6',
    n: 'a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7',
    gx: '8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262',
    gy: '547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997',
  },
  brainpoolP384r1: {
    p:
      '8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123' +
      'acd3a729901d1a71874700133107ec53',
    a:
      '7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f' +
      '8aa5814a503ad4eb04a8c7dd22ce2826',
    b:
      '04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d5' +
      '7cb4390295dbc9943ab78696fa504c11',
    n:
      '8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7' +
      'cf3ab6af6b7fc3103b883202e9046565',
    gx:
      '1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8' +
      'e826e03436d646aaef87b2e247d4af1e',
    gy:
      '8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff9912928' +
      '0e4646217791811142820341263c5315',
  },
  brainpoolP512r1: {
    p:
      'aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330871' +
      '7d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3',
    a:
      '7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc' +
      '2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca',
    b:
      '3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a7' +
      '2bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723',
    n:
      'aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870' +
      '553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069',
    gx:
      '81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098e' +
      'ff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822',
    gy:
      '7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111' +
      'b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892',
  },
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
