import { HASH_ALGORITHMS } from '@keyroute/core';
import type { Command } from './command.js';
import { CliUsageError, EXIT } from './errors.js';
import { inputOf, readWhole, writeOutput } from './io.js';
import { armor } from './openpgp-packets.js';
import { TARGET_FLAGS, resolveKey, withTarget } from './target.js';

/**
 * Largest input of `encrypt` and `decrypt`: the whole message goes to the provider in one call
 * (a gateway also applies its body limit, 1 MiB by default).
 */
export const CRYPT_MAX_BYTES = 64 * 2 ** 20;

const WHY_WHOLE = 'encryption and decryption send the whole message to the provider in one call';

/**
 * `keyroute encrypt`: an OpenPGP message to the key (armored unless `--binary`), or RSA-OAEP
 * of a short input (binary, or `--base64`).
 */
export const encryptCommand: Command = {
  name: 'encrypt',
  synopsis:
    'encrypt --key REF [--in FILE|-] [--out FILE|-] [--scheme openpgp|rsa-oaep] [--hash sha256] ' +
    '[--binary] [--base64] [target]',
  flags: {
    values: [...TARGET_FLAGS, 'key', 'in', 'out', 'scheme', 'hash'],
    switches: ['binary', 'base64'],
  },
  async run(flags) {
    const reference = flags.required('key');
    const scheme = flags.choice('scheme', ['openpgp', 'rsa-oaep'] as const, 'openpgp');
    const hash = flags.optionalChoice('hash', HASH_ALGORITHMS);
    if (scheme === 'openpgp' && (hash !== undefined || flags.has('base64'))) {
      throw new CliUsageError('--hash and --base64 apply to --scheme rsa-oaep');
    }
    if (scheme === 'rsa-oaep' && flags.has('binary')) {
      throw new CliUsageError('--binary applies to --scheme openpgp (RSA-OAEP output is binary)');
    }
    const input = inputOf(flags.value('in'));
    return withTarget(flags, async (provider) => {
      const key = await resolveKey(provider, reference);
      const plaintext = await readWhole(input, CRYPT_MAX_BYTES, WHY_WHOLE);
      let output: Uint8Array;
      let binary: boolean;
      if (scheme === 'openpgp') {
        const result = await provider.encrypt({ key: key.id, scheme, plaintext, armor: false });
        if (result.scheme === 'ecdh') throw new Error('unexpected ECDH result');
        binary = flags.has('binary');
        output = binary ? result.ciphertext : armor('MESSAGE', result.ciphertext);
      } else {
        const result = await provider.encrypt({
          key: key.id,
          scheme,
          plaintext,
          ...(hash === undefined ? {} : { hash }),
        });
        if (result.scheme === 'ecdh') throw new Error('unexpected ECDH result');
        binary = !flags.has('base64');
        output = binary
          ? result.ciphertext
          : new TextEncoder().encode(`${Buffer.from(result.ciphertext).toString('base64')}\n`);
      }
      await writeOutput(flags.value('out'), output, binary);
      return EXIT.ok;
    });
  },
};

/**
 * `keyroute decrypt`: an OpenPGP message (binary or armored), or RSA-OAEP / RSA PKCS#1 v1.5
 * ciphertext (binary, or `--base64`). The plaintext goes to `--out` or stdout.
 */
export const decryptCommand: Command = {
  name: 'decrypt',
  synopsis:
    'decrypt --key REF [--in FILE|-] [--out FILE|-] [--scheme openpgp|rsa-oaep|rsa-pkcs1v15] ' +
    '[--hash sha256] [--base64] [target]',
  flags: { values: [...TARGET_FLAGS, 'key', 'in', 'out', 'scheme', 'hash'], switches: ['base64'] },
  async run(flags) {
    const reference = flags.required('key');
    const scheme = flags.choice(
      'scheme',
      ['openpgp', 'rsa-oaep', 'rsa-pkcs1v15'] as const,
      'openpgp',
    );
    const hash = flags.optionalChoice('hash', HASH_ALGORITHMS);
    if (scheme !== 'rsa-oaep' && hash !== undefined) {
      throw new CliUsageError('--hash applies to --scheme rsa-oaep');
    }
    if (scheme === 'openpgp' && flags.has('base64')) {
      throw new CliUsageError(
        '--base64 applies to RSA ciphertexts (OpenPGP messages may be armored)',
      );
    }
    const input = inputOf(flags.value('in'));
    return withTarget(flags, async (provider) => {
      const key = await resolveKey(provider, reference);
      let ciphertext: Uint8Array = await readWhole(input, CRYPT_MAX_BYTES, WHY_WHOLE);
      if (flags.has('base64')) {
        ciphertext = new Uint8Array(
          Buffer.from(Buffer.from(ciphertext).toString('latin1'), 'base64'),
        );
      }
      const result =
        scheme === 'openpgp'
          ? await provider.decrypt({ key: key.id, scheme, message: ciphertext })
          : scheme === 'rsa-oaep'
            ? await provider.decrypt({
                key: key.id,
                scheme,
                ciphertext,
                ...(hash === undefined ? {} : { hash }),
              })
            : await provider.decrypt({ key: key.id, scheme, ciphertext });
      if (result.scheme === 'ecdh') throw new Error('unexpected ECDH result');
      await writeOutput(flags.value('out'), result.plaintext, false);
      return EXIT.ok;
    });
  },
};
