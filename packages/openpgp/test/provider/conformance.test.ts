import { staticSecret } from '@keyroute/core';
import { describeProviderConformance } from '@keyroute/core/testing';
import {
  createOpenPgpKeyFolder,
  DEFAULT_OPENPGP_KEYS,
  type OpenPgpKeyFolder,
} from '@keyroute/testbed';
import { afterAll } from 'vitest';
import { createOpenPgpProvider } from '../../src/index.js';
import { createGpgVerifier, type GpgVerifier } from '../gpg.js';

const PASSPHRASE = 'correct horse battery staple';
let folder: OpenPgpKeyFolder | undefined;
let gpg: GpgVerifier | undefined;

afterAll(async () => {
  await gpg?.[Symbol.asyncDispose]();
  await folder?.dispose();
});

describeProviderConformance({
  name: 'openpgp',
  create: async () => {
    folder ??= await createOpenPgpKeyFolder({
      keys: [...DEFAULT_OPENPGP_KEYS, { name: 'p256', type: 'p256' }],
    });
    if (gpg === undefined) {
      gpg = await createGpgVerifier();
      for (const key of folder.keys) await gpg.importKeys(key.armoredPublicKey);
    }
    const provider = await createOpenPgpProvider({
      dir: folder.dir,
      secrets: staticSecret(PASSPHRASE),
    });
    return { provider };
  },
  verifyFormat: {
    openpgp: ({ signature, data, key }) => {
      if (gpg === undefined) throw new Error('no gpg home');
      return gpg.verifies(signature, data, key.aliases.openpgpFingerprint ?? key.id);
    },
  },
});
