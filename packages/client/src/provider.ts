import {
  ProviderError,
  defaultSignScheme,
  findKey,
  isProviderError,
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
import { armorSignature } from './armor.js';
import {
  apiHash,
  base64,
  certificateInfoOf,
  keyInfoOf,
  type ApiCertificate,
  type ApiKey,
} from './convert.js';
import { errorOfAnswer, unreachable } from './errors.js';
import { GatewayTransport, type GatewayAddress, type GatewayAnswer } from './transport.js';

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  /** Provider id (default `gateway`). */
  readonly id?: string;
  /** The gateway's Unix socket path or HTTP(S) base URL. */
  readonly address: GatewayAddress;
  /** The application's bearer token. */
  readonly token?: string;
  /** Keep-alive connections to the gateway (default 16). */
  readonly connections?: number;
  /** Limit for one call, in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Extra attempts for idempotent calls (listings) after a connection failure (default 2). */
  readonly retries?: number;
}

const b = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64'));

/** How long a looked-up key is reused for results (keys rarely change). */
const KEY_CACHE_MS = 10_000;

/**
 * Creates a provider that speaks the core contract to a keyroute gateway: the same code works
 * with a local adapter or the gateway (`loadProvider('unix:/run/keyroute.sock')`). Reads the
 * gateway's capabilities once; maps problem+json answers back to `ProviderError`s with the same
 * codes; honours `signal` and `timeoutMs`; retries only listings (idempotent), with backoff.
 *
 * @throws ProviderError `UNAVAILABLE` naming the address when the gateway cannot be reached;
 *   `DENIED` when the token is refused.
 */
export async function createGatewayClient(options: GatewayClientOptions): Promise<Provider> {
  const id = options.id ?? 'gateway';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const transport = new GatewayTransport(options.address, options.token, options.connections ?? 16);
  let disposed = false;

  const send = async (
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    callOptions: CallOptions | undefined,
    key?: string,
  ): Promise<GatewayAnswer> => {
    const caller = callOptions?.signal;
    caller?.throwIfAborted();
    if (disposed)
      throw new ProviderError('UNAVAILABLE', `provider "${id}" is disposed`, { provider: id });
    const attempts = method === 'GET' ? retries + 1 : 1;
    for (let attempt = 1; ; attempt += 1) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = caller === undefined ? timeout : AbortSignal.any([caller, timeout]);
      let answer: GatewayAnswer;
      try {
        answer = await transport.request(method, path, body, signal);
      } catch (error) {
        if (caller?.aborted === true) throw caller.reason;
        if (timeout.aborted) {
          throw new ProviderError('TIMEOUT', `the gateway did not answer within ${timeoutMs} ms`, {
            provider: id,
          });
        }
        if (attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
          continue;
        }
        throw unreachable(transport.description, id, error);
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      throw errorOfAnswer(answer, id, key);
    }
  };

  const keyPath = (reference: string, operation?: string): string =>
    `/v1/keys/${encodeURIComponent(reference)}${operation === undefined ? '' : `/${operation}`}`;

  const listKeys = async (callOptions?: CallOptions): Promise<KeyInfo[]> =>
    ((await send('GET', '/v1/keys', undefined, callOptions)).body as { keys: ApiKey[] }).keys.map(
      keyInfoOf,
    );

  const capabilities = (
    (await send('GET', '/v1/capabilities', undefined, undefined)).body as {
      capabilities: ProviderCapabilities;
    }
  ).capabilities;

  /** The reference as the gateway takes it: ids and aliases go through unchanged. */
  const signingBody = (request: SignRequest | VerifyRequest): Record<string, unknown> => ({
    ...(request.data === undefined ? {} : { data: base64(request.data) }),
    ...(request.digest === undefined ? {} : { digest: base64(request.digest) }),
    ...(request.hash === undefined ? {} : { hash: apiHash(request.hash) }),
    ...(request.scheme === undefined ? {} : { scheme: request.scheme }),
    ...(request.signatureEncoding === undefined ? {} : { encoding: request.signatureEncoding }),
    ...(request.format === undefined ? {} : { format: request.format }),
  });

  // Keys by reference, for a short while: results name the key, and sign needs its algorithm.
  const known = new Map<string, { key: KeyInfo; at: number }>();
  const keyOf = async (reference: KeyReference, callOptions?: CallOptions): Promise<KeyInfo> => {
    const cached = known.get(reference);
    if (cached !== undefined && Date.now() - cached.at < KEY_CACHE_MS) return cached.key;
    const key = keyInfoOf(
      (await send('GET', keyPath(reference), undefined, callOptions, reference)).body as ApiKey,
    );
    if (known.size > 1_024) known.clear();
    known.set(reference, { key, at: Date.now() });
    return key;
  };
  const keyRef = async (
    reference: KeyReference,
    callOptions?: CallOptions,
  ): Promise<Pick<KeyInfo, 'id' | 'provider'>> => {
    const key = await keyOf(reference, callOptions);
    return { id: key.id, provider: key.provider };
  };

  return {
    id,
    kind: 'gateway',
    capabilities: () => capabilities,
    listKeys,
    async listCertificates(callOptions?: CallOptions): Promise<readonly CertificateInfo[]> {
      const [keys, answer] = await Promise.all([
        listKeys(callOptions),
        send('GET', '/v1/certificates', undefined, callOptions),
      ]);
      return (answer.body as { certificates: ApiCertificate[] }).certificates.map((certificate) =>
        certificateInfoOf(certificate, keys, id),
      );
    },
    async getKey(reference: KeyReference, callOptions?: CallOptions): Promise<KeyInfo> {
      if (typeof reference !== 'string' || reference.trim() === '') {
        throw new ProviderError('INVALID_INPUT', 'a key reference must be a non-empty string', {
          provider: id,
        });
      }
      try {
        return keyInfoOf(
          (await send('GET', keyPath(reference), undefined, callOptions, reference)).body as ApiKey,
        );
      } catch (error) {
        // Word a miss like local providers do: with the closest keys this app can see.
        if (isProviderError(error) && error.code === 'KEY_NOT_FOUND') {
          findKey(await listKeys(callOptions).catch(() => []), reference, id);
        }
        throw error;
      }
    },
    async sign(request: SignRequest, callOptions?: CallOptions): Promise<SignResult> {
      const key = await keyOf(request.key, callOptions);
      const answer = await send(
        'POST',
        keyPath(request.key, 'sign'),
        signingBody(request),
        callOptions,
        request.key,
      );
      const signature = b((answer.body as { signature: string }).signature);
      const format = request.format ?? 'raw';
      const scheme = request.scheme ?? defaultSignScheme(key.algorithm) ?? 'eddsa';
      const armored = format === 'openpgp' && (request.openpgp?.armor ?? true);
      return {
        signature: armored ? armorSignature(signature) : signature,
        key: { id: key.id, provider: key.provider },
        scheme,
        ...(scheme === 'eddsa' && format === 'raw' ? {} : { hash: request.hash ?? 'sha256' }),
        format,
      };
    },
    async verify(request: VerifyRequest, callOptions?: CallOptions): Promise<VerifyResult> {
      const answer = await send(
        'POST',
        keyPath(request.key, 'verify'),
        { ...signingBody(request), signature: base64(request.signature) },
        callOptions,
        request.key,
      );
      const result = answer.body as { valid: boolean; reason?: string };
      return {
        valid: result.valid,
        key: await keyRef(request.key, callOptions),
        ...(result.reason === undefined ? {} : { reason: result.reason }),
      };
    },
    async decrypt(request: DecryptRequest, callOptions?: CallOptions): Promise<DecryptResult> {
      let body: Record<string, unknown>;
      switch (request.scheme) {
        case 'rsa-oaep':
          body = {
            scheme: 'rsa-oaep',
            ciphertext: base64(request.ciphertext),
            ...(request.hash === undefined ? {} : { hash: apiHash(request.hash) }),
            ...(request.label === undefined ? {} : { label: base64(request.label) }),
          };
          break;
        case 'rsa-pkcs1v15':
          body = { scheme: 'rsa-pkcs1v15', ciphertext: base64(request.ciphertext) };
          break;
        case 'ecdh':
          body = { scheme: 'ecdh', publicKey: base64(request.peerPublicKey) };
          break;
        case 'openpgp':
          body = { format: 'openpgp', ciphertext: base64(request.message) };
          break;
      }
      const answer = (
        await send('POST', keyPath(request.key, 'decrypt'), body, callOptions, request.key)
      ).body as { plaintext?: string; sharedSecret?: string };
      const key = await keyRef(request.key, callOptions);
      if (request.scheme === 'ecdh')
        return { scheme: 'ecdh', key, sharedSecret: b(answer.sharedSecret ?? '') };
      return { scheme: request.scheme, key, plaintext: b(answer.plaintext ?? '') };
    },
    async encrypt(request: EncryptRequest, callOptions?: CallOptions): Promise<EncryptResult> {
      let body: Record<string, unknown>;
      switch (request.scheme) {
        case 'rsa-oaep':
          body = {
            scheme: 'rsa-oaep',
            plaintext: base64(request.plaintext),
            ...(request.hash === undefined ? {} : { hash: apiHash(request.hash) }),
            ...(request.label === undefined ? {} : { label: base64(request.label) }),
          };
          break;
        case 'ecdh':
          body = { scheme: 'ecdh' };
          break;
        case 'openpgp':
          body = { format: 'openpgp', plaintext: base64(request.plaintext) };
          break;
      }
      const answer = (
        await send('POST', keyPath(request.key, 'encrypt'), body, callOptions, request.key)
      ).body as {
        ciphertext?: string;
        ephemeralPublicKey?: string;
        sharedSecret?: string;
      };
      const key = await keyRef(request.key, callOptions);
      if (request.scheme === 'ecdh') {
        return {
          scheme: 'ecdh',
          key,
          ephemeralPublicKey: b(answer.ephemeralPublicKey ?? ''),
          sharedSecret: b(answer.sharedSecret ?? ''),
        };
      }
      return { scheme: request.scheme, key, ciphertext: b(answer.ciphertext ?? '') };
    },
    async [Symbol.asyncDispose](): Promise<void> {
      if (disposed) return;
      disposed = true;
      await transport.close();
    },
  };
}
