import type { Command } from './command.js';
import { EXIT } from './errors.js';
import { writeText } from './io.js';
import { certificateJson, certificatesTable, keyJson, keysTable } from './listing.js';
import { TARGET_FLAGS, withTarget } from './target.js';

/** `keyroute keys [--json]`: the keys of the target. */
export const keysCommand: Command = {
  name: 'keys',
  synopsis: 'keys [--json] [target]',
  flags: { values: TARGET_FLAGS, switches: ['json'] },
  run: (flags) =>
    withTarget(flags, async (provider) => {
      const keys = await provider.listKeys();
      await writeText(
        flags.has('json')
          ? `${JSON.stringify({ keys: keys.map(keyJson) }, null, 2)}\n`
          : keysTable(keys),
      );
      return EXIT.ok;
    }),
};

/** `keyroute certs [--json]`: the certificates of the target. */
export const certsCommand: Command = {
  name: 'certs',
  synopsis: 'certs [--json] [target]',
  flags: { values: TARGET_FLAGS, switches: ['json'] },
  run: (flags) =>
    withTarget(flags, async (provider) => {
      const certificates = await provider.listCertificates();
      await writeText(
        flags.has('json')
          ? `${JSON.stringify({ certificates: certificates.map(certificateJson) }, null, 2)}\n`
          : certificatesTable(certificates),
      );
      return EXIT.ok;
    }),
};
