import { describeProviderConformance } from '@keyroute/core/testing';
import { createGpgHome, type GpgHome } from '@keyroute/testbed';
import { createGpgAgentProvider } from '../../src/index.js';
import { createX509Certificate } from '../gnupg/x509.js';
import { gpgVerifies, homeSecrets, opensslCmsVerifies } from './helpers.js';

// The suite creates one target for its main run and a second for the dispose test; the
// verifiers check against the first one's keyring and certificate.
let main: { home: GpgHome; certificatePem: string } | undefined;

describeProviderConformance({
  name: 'gpg-agent',
  create: async () => {
    const home = await createGpgHome();
    try {
      // An X.509 signing certificate (RSA, keyUsage digitalSignature) so that CMS is exercised.
      const certificate = await createX509Certificate(home.homedir);
      main ??= { home, certificatePem: certificate.certificatePem };
      const provider = createGpgAgentProvider({
        homedir: home.homedir,
        secrets: homeSecrets(home),
      });
      return { provider, teardown: () => home.dispose() };
    } catch (error) {
      await home.dispose();
      throw error;
    }
  },
  verifyFormat: {
    openpgp: ({ signature, data, key }) => {
      if (main === undefined) throw new Error('the main target was not created');
      return gpgVerifies(main.home, signature, data, key.aliases.openpgpFingerprint);
    },
    cms: ({ signature, data }) => {
      if (main === undefined) throw new Error('the main target was not created');
      return opensslCmsVerifies(signature, data, main.certificatePem);
    },
  },
});
