import { resolve } from 'node:path';
import { isProviderError } from '@keyroute/core';
import { destination, pino, type Logger } from 'pino';
import { verifyAuditLog } from '../audit/index.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { DEFAULT_DATA_DIR } from '../config/defaults.js';
import { loadGatewayConfig } from '../config/load-config.js';
import type { GatewayConfig } from '../config/types.js';
import { startGateway } from '../server/gateway-server.js';
import { KEY_COMMANDS, KEY_COMMANDS_USAGE, runKeyCommand, runTokenNew } from './commands/index.js';
import { prepareEmbedded } from './embedded.js';

const USAGE = `keyroute — one gateway for keys in gpg-agent, PKCS#11 tokens and OpenPGP files

usage:
  keyroute serve [--config <file>] [--data-dir <dir>]
      serve the HTTP API; without --config, the embedded default in --data-dir
      (default ./.keyroute, or $KEYROUTE_DATA_DIR): an OpenPGP keystore with one key,
      an admin application whose token is printed once, the audit log
      SIGTERM/SIGINT drain and exit; SIGHUP reloads providers and apps
  keyroute audit verify [--config <file> | --path <audit.log> | --data-dir <dir>]
      check the audit log's hash chain (exit 0 when intact, 1 when not)
  keyroute token new
      print a new application token and the SHA-256 to put in the config
${KEY_COMMANDS_USAGE}`;

/** Options after the command words: `--name value` pairs. */
function options(args: readonly string[]): Map<string, string> {
  const parsed = new Map<string, string>();
  for (let index = 0; index < args.length; index += 1) {
    const name = args[index] ?? '';
    const value = args[index + 1];
    if (!name.startsWith('--') || value === undefined || value.startsWith('--')) {
      throw new UsageError(`expected --option value, got "${name}"`);
    }
    parsed.set(name.slice(2), value);
    index += 1;
  }
  return parsed;
}

class UsageError extends Error {}

function dataDirOf(flags: Map<string, string>): string {
  return resolve(flags.get('data-dir') ?? process.env['KEYROUTE_DATA_DIR'] ?? DEFAULT_DATA_DIR);
}

async function configFor(
  flags: Map<string, string>,
  logger: Logger | undefined,
): Promise<GatewayConfig> {
  const file = flags.get('config');
  if (file !== undefined) return loadGatewayConfig(file);
  const setup = await prepareEmbedded(dataDirOf(flags));
  if (setup.newKey !== undefined)
    logger?.info({ fingerprint: setup.newKey }, 'generated the default OpenPGP key');
  if (setup.newAdminToken !== undefined) {
    // Shown once, on stdout (logs go to stderr): only its hash is stored.
    process.stdout.write(
      `admin token (shown once, keep it): ${setup.newAdminToken}\n` +
        `  curl --unix-socket ${setup.config.listen.socket ?? ''} -H "Authorization: Bearer ${setup.newAdminToken}" http://keyroute/v1/keys\n`,
    );
  }
  return setup.config;
}

async function serve(flags: Map<string, string>): Promise<number> {
  const logger = pino(
    {
      name: 'keyroute',
      redact: {
        paths: ['*.token', '*.pin', '*.passphrase', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    // Asynchronous: a request's log line never waits for stderr (pino flushes it on exit).
    destination({ dest: 2, sync: false }),
  );
  const config = await configFor(flags, logger);
  const gateway = await startGateway(config, logger);
  logger.info(
    { addresses: gateway.addresses, providers: config.providers.map((p) => p.id) },
    'keyroute gateway serving',
  );
  process.on('SIGHUP', () => {
    void (async () => {
      try {
        const next = await configFor(flags, undefined);
        await gateway.reload(next);
        logger.info(
          { providers: next.providers.map((p) => p.id), apps: next.apps.length },
          'configuration reloaded',
        );
      } catch (error) {
        logger.error({ err: error }, 'reload refused; the previous configuration keeps serving');
      }
    })();
  });
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string): void => {
      logger.info({ processSignal: signal }, 'draining and stopping');
      resolveStop();
    };
    process.once('SIGTERM', () => {
      stop('SIGTERM');
    });
    process.once('SIGINT', () => {
      stop('SIGINT');
    });
  });
  await gateway.close();
  logger.info('stopped');
  return 0;
}

async function auditVerify(flags: Map<string, string>): Promise<number> {
  const path =
    flags.get('path') ??
    (flags.get('config') !== undefined
      ? (await loadGatewayConfig(flags.get('config') ?? '')).audit.path
      : resolve(dataDirOf(flags), 'audit.log'));
  const result = await verifyAuditLog(path);
  process.stdout.write(
    result.ok
      ? // The head (hash of the last record) is what to keep elsewhere: tampering with the
        // last records is visible only against a copy of it.
        `audit log ${path}: ${result.records} records, chain intact, head ${result.head}\n`
      : `audit log ${path}: chain broken at line ${result.firstBadLine ?? '?'}: ${result.problem ?? 'unknown problem'}\n`,
  );
  return result.ok ? 0 : 1;
}

/** Runs the `keyroute` command line; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const keyCommand = command === undefined ? undefined : KEY_COMMANDS[command];
    if (keyCommand !== undefined) return await runKeyCommand(keyCommand, rest);
    switch (command) {
      case 'serve':
        return await serve(options(rest));
      case 'audit':
        if (rest[0] !== 'verify') throw new UsageError('usage: keyroute audit verify [...]');
        return await auditVerify(options(rest.slice(1)));
      case 'token':
        if (rest[0] !== 'new') throw new UsageError('usage: keyroute token new');
        if (rest.length > 1) return await runTokenNew(rest.slice(1));
        {
          const token = newToken();
          process.stdout.write(`token:  ${token}\nsha256: ${hashToken(token)}\n`);
        }
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`keyroute: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    const message =
      isProviderError(error) || error instanceof Error ? error.message : String(error);
    process.stderr.write(`keyroute: ${message}\n`);
    return isProviderError(error) && error.code === 'INVALID_INPUT' ? 2 : 1;
  }
}
