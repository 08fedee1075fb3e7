// Every software function rejects with the signal's reason when the signal is aborted.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { decryptWithPrivateKey } from '../../src/software/decrypt.js';
import { encryptToPublicKey } from '../../src/software/encrypt.js';
import { signWithPrivateKey } from '../../src/software/sign.js';
import { verifySignature } from '../../src/software/verify.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaSpki = rsa.publicKey.export({ format: 'der', type: 'spki' });
const x25519 = generateKeyPairSync('x25519');
const x25519Spki = x25519.publicKey.export({ format: 'der', type: 'spki' });
const data = new Uint8Array([1, 2, 3]);
const rsa2048 = { kind: 'rsa', bits: 2048 } as const;

function aborted(): { signal: AbortSignal; reason: Error } {
  const controller = new AbortController();
  const reason = new Error('stop');
  controller.abort(reason);
  return { signal: controller.signal, reason };
}

describe('an already aborted signal', () => {
  const calls: [string, (signal: AbortSignal) => Promise<unknown>][] = [
    [
      'verifySignature',
      (signal) => verifySignature(rsaSpki, { data, signature: data }, { signal }),
    ],
    // Even an invalid request rejects with the reason: the signal is checked first.
    [
      'verifySignature (bad key)',
      (signal) => verifySignature(data, { data, signature: data }, { signal }),
    ],
    [
      'signWithPrivateKey',
      (signal) => signWithPrivateKey(rsa.privateKey, rsa2048, { data }, { signal }),
    ],
    [
      'encryptToPublicKey rsa-oaep',
      (signal) => encryptToPublicKey(rsaSpki, { scheme: 'rsa-oaep', plaintext: data }, { signal }),
    ],
    [
      'encryptToPublicKey ecdh',
      (signal) => encryptToPublicKey(x25519Spki, { scheme: 'ecdh' }, { signal }),
    ],
    [
      'decryptWithPrivateKey',
      (signal) =>
        decryptWithPrivateKey(
          x25519.privateKey,
          { scheme: 'ecdh', peerPublicKey: x25519Spki },
          { signal },
        ),
    ],
  ];

  it.each(calls)('%s rejects with signal.reason', async (_name, call) => {
    const { signal, reason } = aborted();
    await expect(call(signal)).rejects.toBe(reason);
  });

  it('rejects with an AbortError when no reason was given', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      verifySignature(rsaSpki, { data, signature: data }, { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('a signal aborted while node works', () => {
  // The node work runs on the thread pool, so its callback cannot run before the abort below.
  it.each([
    [
      'signWithPrivateKey',
      (signal: AbortSignal) => signWithPrivateKey(rsa.privateKey, rsa2048, { data }, { signal }),
    ],
    [
      'verifySignature',
      (signal: AbortSignal) =>
        verifySignature(rsaSpki, { data, signature: new Uint8Array(256) }, { signal }),
    ],
    [
      'encryptToPublicKey ecdh',
      (signal: AbortSignal) => encryptToPublicKey(x25519Spki, { scheme: 'ecdh' }, { signal }),
    ],
  ] as const)('%s rejects with signal.reason', async (_name, call) => {
    const controller = new AbortController();
    const reason = new Error('late stop');
    const pending = call(controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('a signal that never aborts changes nothing', async () => {
    const signature = await signWithPrivateKey(
      rsa.privateKey,
      rsa2048,
      { data },
      {
        signal: new AbortController().signal,
      },
    );
    await expect(
      verifySignature(rsaSpki, { data, signature }, { signal: new AbortController().signal }),
    ).resolves.toBe(true);
  });
});
