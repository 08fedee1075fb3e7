/**
 * The server against GnuPG's own Assuan client: gpg-connect-agent (package gnupg) connects with
 * `-S` (`--raw-socket`), runs the commands given as arguments and prints every response line.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GPG_ERROR_CODE, GPG_ERROR_SOURCE } from '../../src/constants.js';
import { AssuanError, makeGpgError } from '../../src/errors.js';
import { createAssuanServer } from '../../src/server/server.js';
import type { AssuanListener } from '../../src/server/types.js';

const run = promisify(execFile);

let dir: string;
let listener: AssuanListener;
const seenOptions: [string, string | undefined][] = [];

const agentError = (code: number): number => makeGpgError(GPG_ERROR_SOURCE.GPG_AGENT, code);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assuan-gca-'));
  const server = createAssuanServer({
    errorSource: GPG_ERROR_SOURCE.GPG_AGENT,
    onOption: (name, value) => {
      seenOptions.push([name, value]);
    },
    commands: {
      GETINFO: {
        help: 'GETINFO <what>\n\nversion - the version',
        handler: async (context) => {
          if (context.args !== 'version') {
            throw new AssuanError(
              agentError(GPG_ERROR_CODE.ASS_PARAMETER),
              'unknown value for WHAT',
            );
          }
          await context.data('2.4.0-keyroute');
        },
      },
      ECHO: (context) => context.data(context.args),
      PROGRESS: async (context) => {
        await context.status('PROGRESS', 'primegen X 3 10');
        return 'done';
      },
      ASK: async (context) => {
        const answer = await context.inquire('NEEDDATA', 'please');
        await context.status('RECEIVED', String(answer.length));
        await context.data(answer);
      },
    },
  });
  listener = await server.listen(join(dir, 'S.test'));
});

afterAll(async () => {
  await listener.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs gpg-connect-agent against the test socket; returns its stdout lines. */
async function gpgConnectAgent(...commands: string[]): Promise<string[]> {
  try {
    const { stdout } = await run(
      'gpg-connect-agent',
      ['-S', listener.path, '--no-autostart', ...commands, '/bye'],
      // A private GNUPGHOME: gpg-connect-agent must not touch the user's.
      { env: { ...process.env, GNUPGHOME: dir }, timeout: 30_000 },
    );
    return stdout.split('\n').filter((line) => line !== '');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new Error(
        'gpg-connect-agent is not installed: install the gnupg package to run these tests',
        { cause: error },
      );
    }
    throw error;
  }
}

describe('gpg-connect-agent as the client', () => {
  it('gets data, OK and ERR lines', async () => {
    expect(
      await gpgConnectAgent('GETINFO version', 'NOP', 'GETINFO colour', 'ECHO a%25b c', 'BOGUS'),
    ).toEqual([
      'D 2.4.0-keyroute',
      'OK',
      'OK',
      `ERR ${agentError(GPG_ERROR_CODE.ASS_PARAMETER)} unknown value for WHAT`,
      // ECHO sends its raw arguments as data: the '%' is escaped again on the way back.
      'D a%2525b c',
      'OK',
      `ERR ${agentError(GPG_ERROR_CODE.ASS_UNKNOWN_CMD)} Unknown command`,
    ]);
  });

  it('prints status lines', async () => {
    expect(await gpgConnectAgent('PROGRESS')).toEqual(['S PROGRESS primegen X 3 10', 'OK done']);
  });

  it('answers an inquiry from a file given with /definqfile', async () => {
    const file = join(dir, 'answer.bin');
    await writeFile(file, 'line one\nline%two\n');
    expect(await gpgConnectAgent(`/definqfile NEEDDATA ${file}`, 'ASK')).toEqual([
      'INQUIRE NEEDDATA please',
      'S RECEIVED 18',
      'D line one%0Aline%25two%0A',
      'OK',
    ]);
  });

  it('gets ASS_CANCELED when it has no answer for an inquiry (it sends CANCEL)', async () => {
    expect(await gpgConnectAgent('ASK')).toEqual([
      'INQUIRE NEEDDATA please',
      `ERR ${agentError(GPG_ERROR_CODE.ASS_CANCELED)} canceled by the client`,
    ]);
  });

  it('sets options and lists help', async () => {
    seenOptions.length = 0;
    const lines = await gpgConnectAgent(
      'OPTION display=:0.0',
      'OPTION --ttyname /dev/pts/9',
      'HELP',
    );
    expect(lines).toEqual([
      'OK',
      'OK',
      // gpg-connect-agent prints comment lines for HELP (and otherwise only with -v -v).
      '# NOP',
      '# OPTION',
      '# BYE',
      '# RESET',
      '# HELP',
      '# GETINFO <what>',
      '# ECHO',
      '# PROGRESS',
      '# ASK',
      'OK',
    ]);
    expect(seenOptions).toEqual([
      ['display', ':0.0'],
      ['ttyname', '/dev/pts/9'],
    ]);
  });
});
