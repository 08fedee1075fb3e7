import { hashToken, newToken } from '../../auth/tokens.js';
import type { Command } from './command.js';
import { CliUsageError, EXIT } from './errors.js';
import { writeText } from './io.js';

/** Longest application name the gateway config takes. */
const MAX_APP_NAME_LENGTH = 64;

/** The `apps[]` entry of a config for an application and its token's hash. */
export function appConfigSnippet(name: string, sha256: string): string {
  return `{ "name": ${JSON.stringify(name)}, "token": { "sha256": "${sha256}" } }`;
}

/**
 * `keyroute token new --app NAME`: a new token, its SHA-256, and the `apps[]` entry to put in
 * the gateway config (without `allow`: the app may do nothing until rules are added).
 */
export const tokenNewCommand: Command = {
  name: 'token new',
  synopsis: 'token new [--app NAME]',
  flags: { values: ['app'] },
  async run(flags) {
    const name = flags.required('app');
    if (name.length > MAX_APP_NAME_LENGTH || /\p{Cc}/u.test(name)) {
      throw new CliUsageError(
        `--app: at most ${MAX_APP_NAME_LENGTH} characters without control characters`,
      );
    }
    const token = newToken();
    const sha256 = hashToken(token);
    await writeText(
      `token:  ${token}\nsha256: ${sha256}\n` +
        `config (apps[]; add "allow": [{ "keys": […], "ops": […] }]):\n` +
        `${appConfigSnippet(name, sha256)}\n`,
    );
    return EXIT.ok;
  },
};
