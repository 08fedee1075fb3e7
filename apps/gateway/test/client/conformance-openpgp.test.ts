import { describeProviderConformance } from '@keyroute/core/testing';
import { createOpenPgpKeyFolder, type OpenPgpKeyFolder } from '@keyroute/testbed';
import { createMessage, readKey, readSignature, verify } from 'openpgp';
import { afterAll } from 'vitest';
import { createGatewayClient } from '@keyroute/client';
import { startTestGateway, type TestGateway } from './test-gateway.js';

// One gateway per provider type: the client's capabilities are the union of its members', and
// the suite expects every key to do what is claimed for its algorithm.
let started: Promise<{ gateway: TestGateway; folder: OpenPgpKeyFolder }> | undefined;

async function start(): Promise<{ gateway: TestGateway; folder: OpenPgpKeyFolder }> {
  const folder = await createOpenPgpKeyFolder({
    keys: [
      { name: 'ecc', type: 'ecc' },
      { name: 'p256', type: 'p256' },
      { name: 'rsa', type: 'rsa3072' },
    ],
  });
  const gateway = await startTestGateway([{ id: 'pgp', type: 'openpgp', dir: folder.dir }]);
  return { gateway, folder };
}

afterAll(async () => {
  const running = await started;
  await running?.gateway[Symbol.asyncDispose]();
  await running?.folder.dispose();
});

describeProviderConformance({
  name: 'client → gateway → openpgp',
  create: async () => {
    started ??= start();
    const { gateway } = await started;
    return {
      provider: await createGatewayClient({
        address: { socket: gateway.socket },
        token: gateway.token,
      }),
    };
  },
  verifyFormat: {
    // openpgp.js, independently of the gateway, with the certificate from the key folder.
    openpgp: async ({ signature, data, key }) => {
      const { folder } = await (started ?? start());
      const fingerprint = key.aliases.openpgpFingerprint ?? '';
      // The client's key carries the primary user ID as its label.
      const entry = folder.keys.find((candidate) => candidate.userId === key.label);
      if (entry === undefined) return false;
      const result = await verify({
        message: await createMessage({ binary: data }),
        signature: await readSignature({ armoredSignature: new TextDecoder().decode(signature) }),
        // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- openpgp.js's own key object
        verificationKeys: await readKey({ armoredKey: entry.armoredPublicKey }),
        expectSigned: true,
        format: 'binary',
      });
      const [first] = result.signatures;
      return first !== undefined && first.keyID.toHex().toUpperCase() === fingerprint.slice(-16);
    },
  },
});
