/**
 * The key commands of `keyroute`: `keys`, `certs`, `sign`, `verify`, `encrypt`, `decrypt`
 * and `token new --app`. Each one reaches its keys through core's `loadProvider`: a gateway
 * (`--gateway`, `$KEYROUTE_GATEWAY`) through `@keyroute/client`, or a local adapter
 * (`--provider`).
 */
import { runCommand, type Command } from './command.js';
import { decryptCommand, encryptCommand } from './crypt.js';
import { EXIT_CODES_USAGE } from './errors.js';
import { certsCommand, keysCommand } from './keys.js';
import { signCommand } from './sign.js';
import { tokenNewCommand } from './token.js';
import { verifyCommand } from './verify.js';

export { EXIT, EXIT_CODES_USAGE } from './errors.js';

/** The key commands by their first word. */
export const KEY_COMMANDS: Readonly<Record<string, Command>> = {
  keys: keysCommand,
  certs: certsCommand,
  sign: signCommand,
  verify: verifyCommand,
  encrypt: encryptCommand,
  decrypt: decryptCommand,
};

/** Runs a key command (`argv` after its name); resolves with the exit code. */
export function runKeyCommand(command: Command, args: readonly string[]): Promise<number> {
  return runCommand(command, args);
}

/** Runs `keyroute token new --app NAME …`. */
export function runTokenNew(args: readonly string[]): Promise<number> {
  return runCommand(tokenNewCommand, args);
}

/** The usage lines of the key commands, for `keyroute help`. */
export const KEY_COMMANDS_USAGE = `  keyroute keys [--json]
  keyroute certs [--json]
      list the keys (id, algorithm, usages, label) or certificates; --json for scripts
  keyroute sign --key REF [--in FILE|-] [--out FILE|-] [--hash sha256]
                [--scheme pkcs1v15|pss|ecdsa|eddsa] [--encoding p1363|der] [--base64]
                [--format raw|openpgp] [--binary]
      sign a file of any size: it is hashed here while it streams and only the digest is
      sent (pure EdDSA takes the message itself: up to 16 MiB, read whole); --format openpgp
      writes a detached OpenPGP signature that gpg --verify accepts (armored unless --binary)
  keyroute verify --key REF --signature FILE [--in FILE|-] [--format raw|openpgp] [...]
      exit 0 when the signature is valid, 1 when it is not (the reason on stderr)
  keyroute encrypt --key REF [--in FILE|-] [--out FILE|-] [--scheme openpgp|rsa-oaep]
  keyroute decrypt --key REF [--in FILE|-] [--out FILE|-] [--scheme openpgp|rsa-oaep|rsa-pkcs1v15]
      whole messages up to 64 MiB (a gateway takes 1 MiB bodies by default)
  keyroute token new --app NAME
      also print the apps[] entry for the config
  target of the key commands (exactly one):
      --gateway unix:/path.sock|http://host:port [--token-env NAME]
          default $KEYROUTE_GATEWAY; the token from $NAME, else $KEYROUTE_TOKEN
      --provider SPEC [--secret-env NAME]
          a local adapter: openpgp:/dir, gpg-agent:, pkcs11:token=…?module-path=…, or a
          JSON config; PINs and passphrases from $NAME

${EXIT_CODES_USAGE}
`;
