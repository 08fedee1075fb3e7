import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CKK } from '../native/constants.js';
import { derElement } from './der.js';
import { publicKeySpkiOf } from './public-key.js';

function spkiOf(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

function jwkPart(key: KeyObject, part: 'n' | 'e' | 'x' | 'y'): Buffer {
  const value = key.export({ format: 'jwk' })[part];
  if (typeof value !== 'string') throw new Error(`no ${part}`);
  return Buffer.from(value, 'base64url');
}

describe('PKCS#11 public-key attributes become the SPKI node:crypto exports', () => {
  it('RSA from CKA_MODULUS and CKA_PUBLIC_EXPONENT', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = publicKeySpkiOf({
      keyType: CKK.RSA,
      modulus: jwkPart(publicKey, 'n'),
      publicExponent: jwkPart(publicKey, 'e'),
    });
    expect(Buffer.from(spki ?? [])).toEqual(spkiOf(publicKey));
  });

  it.each([
    ['prime256v1', '06082a8648ce3d030107'],
    ['secp384r1', '06052b81040022'],
    ['secp521r1', '06052b81040023'],
  ])('EC %s from CKA_EC_PARAMS and a DER-wrapped or bare CKA_EC_POINT', (curve, oid) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const point = Buffer.concat([Buffer.of(4), jwkPart(publicKey, 'x'), jwkPart(publicKey, 'y')]);
    const ecParams = Buffer.from(oid, 'hex');
    for (const ecPoint of [Buffer.from(derElement(0x04, point)), point]) {
      const spki = publicKeySpkiOf({ keyType: CKK.EC, ecParams, ecPoint });
      expect(Buffer.from(spki ?? [])).toEqual(spkiOf(publicKey));
    }
  });

  it('Ed25519 with the curve named by OID or by PrintableString "edwards25519"', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = jwkPart(publicKey, 'x');
    for (const ecParams of [
      Buffer.from('06032b6570', 'hex'),
      Buffer.from(derElement(0x13, Buffer.from('edwards25519'))),
    ]) {
      const spki = publicKeySpkiOf({
        keyType: CKK.EC_EDWARDS,
        ecParams,
        ecPoint: Buffer.from(derElement(0x04, raw)),
      });
      expect(Buffer.from(spki ?? [])).toEqual(spkiOf(publicKey));
    }
  });

  it('gives undefined for missing or invalid attributes instead of a bad key', () => {
    expect(publicKeySpkiOf({ keyType: CKK.RSA })).toBeUndefined();
    expect(
      publicKeySpkiOf({ keyType: CKK.EC, ecParams: Buffer.from('06082a8648ce3d030107', 'hex') }),
    ).toBeUndefined();
    const offCurve = Buffer.concat([Buffer.of(4), Buffer.alloc(64, 1)]);
    expect(
      publicKeySpkiOf({
        keyType: CKK.EC,
        ecParams: Buffer.from('06082a8648ce3d030107', 'hex'),
        ecPoint: offCurve,
      }),
    ).toBeUndefined();
    expect(
      publicKeySpkiOf({ keyType: 0x1234, ecParams: Buffer.of(1), ecPoint: Buffer.of(1) }),
    ).toBeUndefined();
  });
});
