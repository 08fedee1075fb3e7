import type { ColonKeyBase } from './gpg-colons.js';

/** Key algorithms the testbed can create in a gpg home (GnuPG `--quick-gen-key` algo names). */
export type GpgKeyType =
  'rsa2048' | 'rsa3072' | 'ed25519' | 'cv25519' | 'nistp256' | 'nistp384' | 'brainpoolP256r1';

/** One OpenPGP key to generate in a gpg home. */
export interface GpgKeySpec {
  /** Unique name; becomes the user ID `<name> <<name>@keyroute.test>`. */
  readonly name: string;
  /** Algorithm of the primary (certify + sign) key; `cv25519` cannot sign and is rejected. */
  readonly primary: GpgKeyType;
  /** Algorithm of an optional encryption subkey: `cv25519`, `rsa*` or a NIST/brainpool curve. */
  readonly subkey?: GpgKeyType;
  /** Protects the key (and its subkey) with this passphrase; unprotected when absent. */
  readonly passphrase?: string;
}

/** Passphrase of the `protected` key in {@link DEFAULT_GPG_KEYS}. */
const PROTECTED_PASSPHRASE = 'correct horse battery staple';

/**
 * The keys {@link createGpgHome} generates when none are requested: one of every supported
 * algorithm, encryption subkeys for RSA, Ed25519 (cv25519) and P-256, and one
 * passphrase-protected Ed25519 key named `protected`.
 */
export const DEFAULT_GPG_KEYS: readonly GpgKeySpec[] = Object.freeze([
  { name: 'rsa2048', primary: 'rsa2048', subkey: 'rsa2048' },
  { name: 'rsa3072', primary: 'rsa3072' },
  { name: 'ed25519', primary: 'ed25519', subkey: 'cv25519' },
  { name: 'nistp256', primary: 'nistp256', subkey: 'nistp256' },
  { name: 'nistp384', primary: 'nistp384' },
  { name: 'brainpoolP256r1', primary: 'brainpoolP256r1' },
  { name: 'protected', primary: 'ed25519', subkey: 'cv25519', passphrase: PROTECTED_PASSPHRASE },
] as const satisfies readonly GpgKeySpec[]);

const SIGNING_TYPES: ReadonlySet<GpgKeyType> = new Set<GpgKeyType>([
  'rsa2048',
  'rsa3072',
  'ed25519',
  'nistp256',
  'nistp384',
  'brainpoolP256r1',
]);

const ENCRYPTION_TYPES: ReadonlySet<GpgKeyType> = new Set<GpgKeyType>([
  'rsa2048',
  'rsa3072',
  'cv25519',
  'nistp256',
  'nistp384',
  'brainpoolP256r1',
]);

/** OpenPGP public-key algorithm ids (RFC 4880 §9.1, RFC 6637, draft EdDSA). */
const ALGORITHM = { rsa: 1, ecdh: 18, ecdsa: 19, eddsa: 22 } as const;

/**
 * Checks a list of key specs before anything is generated.
 *
 * @throws Error on an empty or duplicate name, a name gpg would mangle, a primary type that
 *   cannot sign or a subkey type that cannot encrypt.
 */
export function validateGpgKeySpecs(specs: readonly GpgKeySpec[]): void {
  const names = new Set<string>();
  for (const spec of specs) {
    if (!/^[\w.+-]+$/.test(spec.name)) {
      throw new Error(`gpg key spec name "${spec.name}" must match [A-Za-z0-9_.+-]+`);
    }
    if (names.has(spec.name)) throw new Error(`gpg key spec name "${spec.name}" is used twice`);
    names.add(spec.name);
    if (!SIGNING_TYPES.has(spec.primary)) {
      throw new Error(
        `gpg key spec "${spec.name}": ${spec.primary} cannot be a (signing) primary key`,
      );
    }
    if (spec.subkey !== undefined && !ENCRYPTION_TYPES.has(spec.subkey)) {
      throw new Error(`gpg key spec "${spec.name}": ${spec.subkey} cannot be an encryption subkey`);
    }
  }
}

/** The user ID the testbed gives the key of a spec. */
export function userIdOf(spec: GpgKeySpec): string {
  return `${spec.name} <${spec.name.toLowerCase()}@keyroute.test>`;
}

/**
 * Classifies a listed (sub)key as one of the {@link GpgKeyType}s.
 *
 * @returns undefined for algorithms the testbed does not create (e.g. RSA-4096, DSA, Ed448).
 */
export function gpgKeyTypeOf(
  key: Pick<ColonKeyBase, 'algorithm' | 'length' | 'curve'>,
): GpgKeyType | undefined {
  switch (key.algorithm) {
    case ALGORITHM.rsa:
      return key.length === 2048 ? 'rsa2048' : key.length === 3072 ? 'rsa3072' : undefined;
    case ALGORITHM.eddsa:
      return key.curve === 'ed25519' ? 'ed25519' : undefined;
    case ALGORITHM.ecdh:
      if (key.curve === 'cv25519') return 'cv25519';
      return ecCurveType(key.curve);
    case ALGORITHM.ecdsa:
      return ecCurveType(key.curve);
    default:
      return undefined;
  }
}

function ecCurveType(curve: string | undefined): GpgKeyType | undefined {
  return curve === 'nistp256' || curve === 'nistp384' || curve === 'brainpoolP256r1'
    ? curve
    : undefined;
}
