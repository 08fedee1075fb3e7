import { connectGpgAgent, connectUnixSocket, type AssuanConnection } from '@keyroute/assuan';
import {
  ProviderError,
  type CallOptions,
  type CertificateInfo,
  type DecryptRequest,
  type DecryptResult,
  type EncryptRequest,
  type EncryptResult,
  type KeyInfo,
  type KeyReference,
  type Provider,
  type ProviderCapabilities,
  type SignRequest,
  type SignResult,
  type VerifyRequest,
  type VerifyResult,
} from '@keyroute/core';
import { gpgAgentCapabilities } from './capabilities.js';
import type { ProviderContext } from './context.js';
import { runWithDeadline, type OnStop } from './deadline.js';
import { decryptWithAgent } from './decrypt.js';
import { encryptToAgentKey, listAgentCertificates, verifyWithAgentKey } from './encrypt-verify.js';
import { agentUnavailable } from './errors.js';
import { KeyDirectory } from './list-keys.js';
import type { GpgAgentProviderOptions, ResolvedOptions } from './options.js';
import { AgentPool } from './pool.js';
import { signWithAgent } from './sign.js';

const DEFAULTS = { poolSize: 2, timeoutMs: 30_000, keyCacheMs: 30_000 } as const;

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ProviderError(
      'INVALID_INPUT',
      `gpg-agent option ${name} must be a positive integer; got ${String(value)}`,
    );
  }
  return value;
}

function resolveOptions(options: GpgAgentProviderOptions): ResolvedOptions {
  const keyCacheMs = options.keyCacheMs ?? DEFAULTS.keyCacheMs;
  if (!Number.isSafeInteger(keyCacheMs) || keyCacheMs < 0) {
    throw new ProviderError(
      'INVALID_INPUT',
      `gpg-agent option keyCacheMs must be a non-negative integer; got ${String(keyCacheMs)}`,
    );
  }
  return {
    id: options.id ?? 'gpg-agent',
    homedir: options.homedir,
    socket: options.socket,
    secrets: options.secrets,
    poolSize: positiveInteger(options.poolSize, 'poolSize', DEFAULTS.poolSize),
    timeoutMs: positiveInteger(options.timeoutMs, 'timeoutMs', DEFAULTS.timeoutMs),
    launch: options.launch ?? true,
    allowPkcs1v15Decrypt: options.allowPkcs1v15Decrypt ?? false,
    keyCacheMs,
  };
}

/**
 * Creates a provider over gpg-agent (GnuPG 2.2+): keys are the agent's (`KEYINFO --list`),
 * identified by keygrip and named also by their OpenPGP fingerprint / key ID and X.509
 * certificate where gpg or gpgsm bind them. Connects lazily on the first call, through a small
 * pool of Assuan connections; relaunches the agent (`gpgconf --launch`) when it is gone.
 *
 * Every call takes `{ signal }` (an abort rejects with `signal.reason`; a command the agent is
 * running is dropped with its connection) and is limited to `timeoutMs` (`TIMEOUT`). After
 * `[Symbol.asyncDispose]()` (idempotent) every call rejects with `UNAVAILABLE`.
 *
 * @throws ProviderError `INVALID_INPUT` for an invalid option (synchronously).
 */
export function createGpgAgentProvider(options: GpgAgentProviderOptions = {}): Provider {
  const resolved = resolveOptions(options);
  const { id, homedir, socket, launch, timeoutMs } = resolved;
  const connect = async (signal: AbortSignal | undefined): Promise<AssuanConnection> => {
    try {
      if (socket !== undefined) {
        return await connectUnixSocket(socket, signal === undefined ? {} : { signal });
      }
      return await connectGpgAgent({
        launch,
        ...(homedir === undefined ? {} : { homedir }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw agentUnavailable(error, id, socket);
    }
  };
  const pool = new AgentPool({ provider: id, size: resolved.poolSize, connect });
  const directory = new KeyDirectory({
    provider: id,
    homedir,
    pool,
    keyCacheMs: resolved.keyCacheMs,
    timeoutMs,
  });
  const context: ProviderContext = { options: resolved, pool, directory };
  const capabilities = gpgAgentCapabilities(resolved.allowPkcs1v15Decrypt);
  let disposed = false;
  let disposal: Promise<void> | undefined;

  const call = <T>(
    what: string,
    callOptions: CallOptions | undefined,
    work: (signal: AbortSignal, onStop: OnStop) => Promise<T>,
  ): Promise<T> => {
    const signal = callOptions?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (disposed) {
      return Promise.reject(
        new ProviderError('UNAVAILABLE', `provider "${id}" is disposed`, { provider: id }),
      );
    }
    return runWithDeadline(signal, timeoutMs, id, what, work);
  };

  const provider: Provider = {
    id,
    kind: 'gpg-agent',
    capabilities(): ProviderCapabilities {
      return capabilities;
    },
    listKeys(callOptions?: CallOptions): Promise<readonly KeyInfo[]> {
      return call('listKeys', callOptions, async (signal) =>
        (await directory.keys(signal)).map((key) => key.info),
      );
    },
    listCertificates(callOptions?: CallOptions): Promise<readonly CertificateInfo[]> {
      return call('listCertificates', callOptions, (signal) =>
        listAgentCertificates(context, signal),
      );
    },
    getKey(reference: KeyReference, callOptions?: CallOptions): Promise<KeyInfo> {
      return call(
        'getKey',
        callOptions,
        async (signal) => (await directory.find(reference, signal)).info,
      );
    },
    sign(request: SignRequest, callOptions?: CallOptions): Promise<SignResult> {
      return call('sign', callOptions, (signal, onStop) =>
        signWithAgent(context, request, signal, onStop),
      );
    },
    verify(request: VerifyRequest, callOptions?: CallOptions): Promise<VerifyResult> {
      return call('verify', callOptions, (signal) => verifyWithAgentKey(context, request, signal));
    },
    decrypt(request: DecryptRequest, callOptions?: CallOptions): Promise<DecryptResult> {
      return call('decrypt', callOptions, (signal) => decryptWithAgent(context, request, signal));
    },
    encrypt(request: EncryptRequest, callOptions?: CallOptions): Promise<EncryptResult> {
      return call('encrypt', callOptions, (signal) => encryptToAgentKey(context, request, signal));
    },
    [Symbol.asyncDispose](): Promise<void> {
      disposed = true;
      disposal ??= pool.dispose();
      return disposal;
    },
  };
  return provider;
}
