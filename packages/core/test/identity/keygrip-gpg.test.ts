import { ECDH } from 'node:crypto';
import { createGpgHome } from '@keyroute/testbed';
import type { GpgHome, GpgKeySpec } from '@keyroute/testbed';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/contract/algorithms.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';
import {
  computeKeygrip,
  describePublicKey,
  publicKeyAliases,
  publicKeyToSpki,
  spkiSha256,
} from '../../src/identity/index.js';
import { rawKeyFromOpenPgp } from './openpgp-raw-key.js';
import type { OpenPgpKeyPacket } from './openpgp-raw-key.js';

// Keys the testbed generates (primary certify+sign, optional encryption subkey).
const SPECS: readonly GpgKeySpec[] = [
  { name: 'rsa2048', primary: 'rsa2048' },
  { name: 'ed25519', primary: 'ed25519', subkey: 'cv25519' },
  { name: 'nistp256', primary: 'nistp256', subkey: 'rsa3072' },
  { name: 'nistp384', primary: 'nistp384', subkey: 'nistp256' },
  { name: 'brainpoolP256r1', primary: 'brainpoolP256r1' },
];

// Curves the testbed does not offer; generated here with the same home's gpg.
const EXTRA_CURVES = ['nistp521', 'brainpoolP384r1', 'brainpoolP512r1', 'secp256k1'] as const;

interface Case {
  readonly label: string;
  /** Which key: a testbed spec and role, or an extra curve's primary key. */
  readonly from:
    { readonly spec: string; readonly role: 'primary' | 'subkey' } | { readonly extra: string };
  readonly algorithm: KeyAlgorithm;
}

const CASES: readonly Case[] = [
  {
    label: 'rsa2048',
    from: { spec: 'rsa2048', role: 'primary' },
    algorithm: { kind: 'rsa', bits: 2048 },
  },
  {
    label: 'rsa3072 (encr)',
    from: { spec: 'nistp256', role: 'subkey' },
    algorithm: { kind: 'rsa', bits: 3072 },
  },
  { label: 'ed25519', from: { spec: 'ed25519', role: 'primary' }, algorithm: { kind: 'ed25519' } },
  {
    label: 'cv25519 (encr)',
    from: { spec: 'ed25519', role: 'subkey' },
    algorithm: { kind: 'x25519' },
  },
  {
    label: 'nistp256',
    from: { spec: 'nistp256', role: 'primary' },
    algorithm: { kind: 'ec', curve: 'P-256' },
  },
  {
    label: 'nistp256 (encr)',
    from: { spec: 'nistp384', role: 'subkey' },
    algorithm: { kind: 'ec', curve: 'P-256' },
  },
  {
    label: 'nistp384',
    from: { spec: 'nistp384', role: 'primary' },
    algorithm: { kind: 'ec', curve: 'P-384' },
  },
  { label: 'nistp521', from: { extra: 'nistp521' }, algorithm: { kind: 'ec', curve: 'P-521' } },
  {
    label: 'brainpoolP256r1',
    from: { spec: 'brainpoolP256r1', role: 'primary' },
    algorithm: { kind: 'ec', curve: 'brainpoolP256r1' },
  },
  {
    label: 'brainpoolP384r1',
    from: { extra: 'brainpoolP384r1' },
    algorithm: { kind: 'ec', curve: 'brainpoolP384r1' },
  },
  {
    label: 'brainpoolP512r1',
    from: { extra: 'brainpoolP512r1' },
    algorithm: { kind: 'ec', curve: 'brainpoolP512r1' },
  },
  {
    label: 'secp256k1',
    from: { extra: 'secp256k1' },
    algorithm: { kind: 'ec', curve: 'secp256k1' },
  },
];

let home: GpgHome | undefined;
/** Fingerprint → keygrip, from `gpg --with-colons --with-keygrip --list-keys`. */
const gpgKeygrips = new Map<string, string>();
/** Fingerprint → key packet, from `gpg --export` parsed by openpgp.js. */
const packets = new Map<string, OpenPgpKeyPacket>();
/** Extra curve → fingerprint of the primary key generated for it. */
const extraFingerprints = new Map<string, string>();

beforeAll(async () => {
  home = await createGpgHome({ keys: SPECS });
  for (const curve of EXTRA_CURVES) {
    const { stdout } = await home.gpg([
      ...['--pinentry-mode', 'loopback', '--passphrase', '', '--status-fd', '1'],
      ...['--quick-gen-key', `${curve} <${curve}@keyroute.test>`, curve, 'sign', 'never'],
    ]);
    extraFingerprints.set(curve, keyCreated(stdout));
  }
  const listing = await home.gpg(['--with-colons', '--with-keygrip', '--list-keys']);
  for (const [fingerprint, keygrip] of colonKeygrips(listing.stdout)) {
    gpgKeygrips.set(fingerprint, keygrip);
  }
  const exported = await home.gpg(['--armor', '--export']);
  for (const key of await openpgp.readKeys({ armoredKeys: exported.stdout })) {
    for (const packet of [key.keyPacket, ...key.subkeys.map((subkey) => subkey.keyPacket)]) {
      packets.set(packet.getFingerprint().toUpperCase(), packet);
    }
  }
});

afterAll(async () => {
  await home?.dispose();
});

describe('computeKeygrip against gpg 2.2 (--with-keygrip)', () => {
  it('sees every generated key in both the listing and the export', () => {
    const expected =
      SPECS.length + SPECS.filter((spec) => spec.subkey).length + EXTRA_CURVES.length;
    expect(gpgKeygrips.size).toBe(expected);
    expect([...packets.keys()].sort()).toEqual([...gpgKeygrips.keys()].sort());
  });

  it.each(CASES)('$label: SPKI from the OpenPGP packet grips like gpg', ({ from, algorithm }) => {
    const fingerprint = fingerprintOf(from);
    const packet = packets.get(fingerprint);
    const expected = gpgKeygrips.get(fingerprint);
    if (!packet || !expected)
      throw new Error(`key ${fingerprint} missing from the export or listing`);

    const spki = publicKeyToSpki(rawKeyFromOpenPgp(packet));
    expect(describePublicKey(spki)).toEqual(algorithm);
    expect(computeKeygrip(spki)).toBe(expected);
    expect(publicKeyAliases(spki)).toEqual({ spkiSha256: spkiSha256(spki), keygrip: expected });
  });

  it.each(CASES.filter((c) => c.algorithm.kind === 'ec'))(
    '$label: the compressed point grips like gpg as well',
    ({ from }) => {
      const fingerprint = fingerprintOf(from);
      const packet = packets.get(fingerprint);
      if (!packet) throw new Error(`key ${fingerprint} missing from the export`);
      const raw = rawKeyFromOpenPgp(packet);
      if (raw.kind !== 'ec') throw new Error(`expected an EC key, got ${raw.kind}`);
      const compressed = ECDH.convertKey(
        Buffer.from(raw.point),
        EC_CURVE_PARAMETERS[raw.curve].opensslName,
        undefined,
        undefined,
        'compressed',
      ) as Buffer;
      expect(compressed.length).toBeLessThan(raw.point.length);
      const spki = publicKeyToSpki({ kind: 'ec', curve: raw.curve, point: compressed });
      expect(computeKeygrip(spki)).toBe(gpgKeygrips.get(fingerprint));
    },
  );
});

function fingerprintOf(from: Case['from']): string {
  if ('extra' in from) {
    const fingerprint = extraFingerprints.get(from.extra);
    if (!fingerprint) throw new Error(`no key was generated for ${from.extra}`);
    return fingerprint;
  }
  const key = home?.keys.find((k) => k.spec === from.spec && k.role === from.role);
  if (!key) throw new Error(`the testbed generated no ${from.role} for spec ${from.spec}`);
  return key.fingerprint;
}

/** The fingerprint of `[GNUPG:] KEY_CREATED P|B <fpr>` (gpg doc/DETAILS). */
function keyCreated(status: string): string {
  for (const line of status.split('\n')) {
    const [prefix, keyword, kind, fingerprint] = line.trim().split(' ');
    if (prefix === '[GNUPG:]' && keyword === 'KEY_CREATED' && (kind === 'P' || kind === 'B')) {
      if (fingerprint && /^[0-9A-F]{40}$/.test(fingerprint)) return fingerprint;
    }
  }
  throw new Error(`gpg printed no KEY_CREATED status line:\n${status}`);
}

/** Pairs each `fpr` record of a pub/sub key with the `grp` record that follows it. */
function colonKeygrips(listing: string): Map<string, string> {
  const grips = new Map<string, string>();
  let keyRecord = false;
  let fingerprint: string | undefined;
  for (const line of listing.split('\n')) {
    const fields = line.split(':');
    const type = fields[0];
    if (type === 'pub' || type === 'sub') {
      keyRecord = true;
      fingerprint = undefined;
    } else if (type === 'fpr' && keyRecord) {
      fingerprint = fields[9];
    } else if (type === 'grp' && keyRecord && fingerprint) {
      grips.set(fingerprint, fields[9] ?? '');
      keyRecord = false;
    } else if (type === 'uid') {
      keyRecord = false;
    }
  }
  return grips;
}
