import { createPublicKey, diffieHellman, generateKeyPairSync, verify } from 'node:crypto';
import { createGpgHome, type GpgHome } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpgAgentProvider } from '../../src/index.js';

// The provider skips SIGKEY when the connection already has the key selected. gpg-agent keeps
// one selected key per connection for PKSIGN and PKDECRYPT alike, so a decryption in between
// must make the next signature select its key again — with one connection, every call shares it.
let home: GpgHome;

beforeAll(async () => {
  home = await createGpgHome({
    keys: [{ name: 'ed', primary: 'ed25519', subkey: 'cv25519' }],
  });
});

afterAll(async () => {
  await home.dispose();
});

describe('key selection on a shared agent connection', () => {
  it('signs with the right key after a decryption selected another one', async () => {
    await using provider = createGpgAgentProvider({ homedir: home.homedir, poolSize: 1 });
    const signer = home.keys.find((key) => key.role === 'primary');
    const decrypter = home.keys.find((key) => key.role === 'subkey');
    if (!signer || !decrypter) throw new Error('testbed keys missing');
    const signerKey = await provider.getKey(signer.keygrip);
    const decrypterKey = await provider.getKey(decrypter.keygrip);
    const message = new Uint8Array(32).fill(1);
    const signerPublic = createPublicKey({
      key: Buffer.from(signerKey.publicKey),
      format: 'der',
      type: 'spki',
    });

    const first = await provider.sign({ key: signer.keygrip, data: message });
    expect(verify(null, message, signerPublic, first.signature)).toBe(true);

    const ephemeral = generateKeyPairSync('x25519');
    const agreed = await provider.decrypt({
      key: decrypter.keygrip,
      scheme: 'ecdh',
      peerPublicKey: ephemeral.publicKey.export({ format: 'der', type: 'spki' }),
    });
    const expected = diffieHellman({
      privateKey: ephemeral.privateKey,
      publicKey: createPublicKey({
        key: Buffer.from(decrypterKey.publicKey),
        format: 'der',
        type: 'spki',
      }),
    });
    expect(agreed.scheme === 'ecdh' && Buffer.from(agreed.sharedSecret)).toEqual(expected);

    const second = await provider.sign({ key: signer.keygrip, data: message });
    expect(verify(null, message, signerPublic, second.signature)).toBe(true);
  });
});
