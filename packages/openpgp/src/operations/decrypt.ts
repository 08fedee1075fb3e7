import {
  ProviderError,
  decryptWithPrivateKey,
  type DecryptRequest,
  type DecryptResult,
} from '@keyroute/core';
import { readMessage, type Message } from 'openpgp';
import { decryptMessageBytes } from './openpgp-calls.js';
import type { OpenPgpKeyRecord } from '../keys/describe-key.js';
import { keyObjectOf, requireUsage, unlockedKeyOf, type OpenPgpContext } from './context.js';

const ARMOR = '-----BEGIN PGP MESSAGE-----';

/** Bytes openpgp.js may decompress beyond the plaintext limit (literal header, signatures). */
const DECOMPRESSION_SLACK = 64 * 1024;

async function readAnyMessage(bytes: Uint8Array): Promise<Message<Uint8Array>> {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64)).trimStart();
  return head.startsWith(ARMOR)
    ? await readMessage({
        armoredMessage: new TextDecoder().decode(bytes),
      })
    : readMessage({ binaryMessage: bytes });
}

/**
 * Decrypts with an OpenPGP (sub)key. `rsa-oaep` and `ecdh` (the raw shared secret) through
 * node:crypto with the unlocked key; `openpgp`: a whole message, which must be addressed to a key
 * of the named certificate, must be integrity protected (SEIPD/MDC or AEAD — openpgp.js refuses
 * others) and may decompress to at most `maxDecryptedBytes`. `rsa-pkcs1v15` is `UNSUPPORTED`.
 */
export async function decryptWithOpenPgpKey(
  context: OpenPgpContext,
  request: DecryptRequest,
  signal: AbortSignal,
): Promise<DecryptResult> {
  const record = await context.directory.find(request.key);
  requireUsage(context, record, 'decrypt');
  const key = { id: record.info.id, provider: context.provider };
  if (request.scheme === 'openpgp') return decryptMessage(context, record, request.message, signal);
  if (request.scheme === 'rsa-pkcs1v15') {
    throw new ProviderError(
      'UNSUPPORTED',
      'RSA PKCS#1 v1.5 decryption is off (padding-oracle risk)',
      { provider: context.provider, key: request.key },
    );
  }
  const unlocked = await unlockedKeyOf(context, record, signal);
  const privateKey = keyObjectOf(unlocked, record.fingerprint, context.provider);
  const result = await decryptWithPrivateKey(privateKey, request, { signal });
  return result.scheme === 'ecdh'
    ? { scheme: 'ecdh', key, sharedSecret: result.sharedSecret }
    : { scheme: 'rsa-oaep', key, plaintext: result.plaintext };
}

async function decryptMessage(
  context: OpenPgpContext,
  record: OpenPgpKeyRecord,
  bytes: Uint8Array,
  signal: AbortSignal,
): Promise<DecryptResult> {
  const { provider } = context;
  if (!(bytes instanceof Uint8Array)) {
    throw new ProviderError('INVALID_INPUT', 'the message must be a Uint8Array', { provider });
  }
  let message: Message<Uint8Array>;
  try {
    message = await readAnyMessage(bytes);
  } catch (error) {
    throw new ProviderError('INVALID_INPUT', 'the input is not an OpenPGP message', {
      provider,
      key: record.info.id,
      cause: error,
    });
  }
  const ours = new Set(record.certificate.getKeys().map((part) => part.getKeyID().toHex()));
  const recipients = message.getEncryptionKeyIDs().map((id) => id.toHex());
  if (!recipients.some((id) => ours.has(id))) {
    throw new ProviderError(
      'INVALID_INPUT',
      `the message is not addressed to key ${record.primaryFingerprint} (recipients: ${recipients.join(', ') || 'none'})`,
      { provider, key: record.info.id },
    );
  }
  const unlocked = await unlockedKeyOf(context, record, signal);
  try {
    const data = await decryptMessageBytes({
      message,
      decryptionKeys: unlocked,
      // openpgp.js counts packet headers and inner signatures too: some slack, then the exact
      // plaintext limit below.
      config: { maxDecompressedMessageSize: context.maxDecryptedBytes + DECOMPRESSION_SLACK },
    });
    signal.throwIfAborted();
    if (data.length > context.maxDecryptedBytes) {
      throw new Error(`the plaintext exceeds ${context.maxDecryptedBytes} bytes`);
    }
    return { scheme: 'openpgp', key: { id: record.info.id, provider }, plaintext: data };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new ProviderError(
      'INVALID_INPUT',
      `the OpenPGP message does not decrypt: ${error instanceof Error ? error.message : 'invalid'}`,
      { provider, key: record.info.id, cause: error },
    );
  }
}
