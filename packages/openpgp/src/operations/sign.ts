import {
  ProviderError,
  resolveSignParameters,
  signWithPrivateKey,
  type SignRequest,
  type SignResult,
} from '@keyroute/core';
import { createCleartextMessage, createMessage, enums, type CleartextMessage } from 'openpgp';
import { signMessage } from './openpgp-calls.js';
import type { OpenPgpKeyRecord } from '../keys/describe-key.js';
import { keyObjectOf, requireUsage, unlockedKeyOf, type OpenPgpContext } from './context.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** openpgp.js hash ids (RFC 9580 §9.5) of the hashes OpenPGP signatures may use. */
const OPENPGP_HASH_IDS: Readonly<Partial<Record<string, enums.hash>>> = {
  sha256: enums.hash.sha256,
  sha384: enums.hash.sha384,
  sha512: enums.hash.sha512,
  sha224: enums.hash.sha224,
};

function invalid(context: OpenPgpContext, message: string, key: string): ProviderError {
  return new ProviderError('INVALID_INPUT', message, { provider: context.provider, key });
}

/**
 * Signs with an OpenPGP (sub)key: `format: 'raw'` with the key's primitive through node:crypto
 * (Ed25519 pure over the data, ECDSA, RSA PKCS#1 v1.5 / PSS), `format: 'openpgp'` as a
 * detached (default), cleartext or inline signature made by openpgp.js with exactly that
 * (sub)key, armored unless `openpgp.armor` is false (cleartext is always armored).
 */
export async function signWithOpenPgpKey(
  context: OpenPgpContext,
  request: SignRequest,
  signal: AbortSignal,
): Promise<SignResult> {
  const record = await context.directory.find(request.key);
  requireUsage(context, record, 'sign');
  const format = request.format ?? 'raw';
  if (format === 'raw') return signRaw(context, record, request, signal);
  if (format !== 'openpgp') {
    throw new ProviderError(
      'UNSUPPORTED',
      `the openpgp provider does not make ${format} signatures`,
      {
        provider: context.provider,
        key: request.key,
      },
    );
  }
  return signOpenPgp(context, record, request, signal);
}

async function signRaw(
  context: OpenPgpContext,
  record: OpenPgpKeyRecord,
  request: SignRequest,
  signal: AbortSignal,
): Promise<SignResult> {
  const parameters = resolveSignParameters(record.info.algorithm, request);
  const key = await unlockedKeyOf(context, record, signal);
  const privateKey = keyObjectOf(key, record.fingerprint, context.provider);
  const signature = await signWithPrivateKey(privateKey, record.info.algorithm, request, {
    signal,
  });
  return {
    signature,
    key: { id: record.info.id, provider: context.provider },
    scheme: parameters.scheme,
    ...(parameters.hash === undefined ? {} : { hash: parameters.hash }),
    format: 'raw',
  };
}

async function signOpenPgp(
  context: OpenPgpContext,
  record: OpenPgpKeyRecord,
  request: SignRequest,
  signal: AbortSignal,
): Promise<SignResult> {
  const { data } = request;
  if (!(data instanceof Uint8Array)) {
    throw invalid(context, 'OpenPGP signatures are made over data, not a digest', request.key);
  }
  const hash = request.hash ?? 'sha256';
  const hashId = OPENPGP_HASH_IDS[hash];
  if (hashId === undefined) {
    throw new ProviderError(
      'UNSUPPORTED',
      `OpenPGP signatures are made with ${Object.keys(OPENPGP_HASH_IDS).join(', ')}; not ${hash}`,
      { provider: context.provider, key: request.key },
    );
  }
  const config = { preferredHashAlgorithm: hashId };
  const mode = request.openpgp?.mode ?? 'detached';
  const armor = mode === 'cleartext' ? true : (request.openpgp?.armor ?? true);
  const key = await unlockedKeyOf(context, record, signal);
  const signingKeyIDs = key
    .getKeys()
    .filter((part) => part.getFingerprint().toUpperCase() === record.fingerprint)
    .map((part) => part.getKeyID());
  let message: Awaited<ReturnType<typeof createMessage>> | CleartextMessage;
  switch (mode) {
    case 'cleartext': {
      let text: string;
      try {
        text = utf8.decode(data);
      } catch (error) {
        throw new ProviderError('INVALID_INPUT', 'a cleartext signature needs UTF-8 text', {
          provider: context.provider,
          key: request.key,
          cause: error,
        });
      }
      message = await createCleartextMessage({ text });
      break;
    }
    case 'detached':
    case 'inline':
      message = await createMessage({ binary: data });
      break;
    default:
      throw invalid(context, `unknown OpenPGP signature mode ${String(mode)}`, request.key);
  }
  const signature = await signMessage({
    message,
    signingKeys: key,
    signingKeyIDs,
    detached: mode === 'detached',
    armored: armor,
    config,
  });
  signal.throwIfAborted();
  const scheme =
    record.info.algorithm.kind === 'rsa'
      ? 'pkcs1v15'
      : record.info.algorithm.kind === 'ec'
        ? 'ecdsa'
        : 'eddsa';
  return {
    signature: typeof signature === 'string' ? new TextEncoder().encode(signature) : signature,
    key: { id: record.info.id, provider: context.provider },
    scheme,
    format: 'openpgp',
  };
}
