import type { EncryptRequest, DecryptRequest, SignRequest, VerifyRequest } from '@keyroute/core';
import { isAllowed } from '../auth/acl.js';
import type { AppSpec } from '../config/types.js';
import {
  base64Field,
  choiceField,
  hashField,
  requiredBase64,
  signingFields,
} from '../http/fields.js';
import { HttpProblem } from '../http/problem.js';
import { toApiCertificate, toApiKey, type ApiCertificate, type ApiKey } from './api-key.js';
import type { GatewayState } from './gateway-state.js';
import {
  identityOf,
  requireAllowed,
  resolveGatewayKey,
  type ResolvedGatewayKey,
} from './resolve.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The providers and their state: ready, unavailable or locked (a PIN or passphrase problem). */
export function listProviders(state: GatewayState): { providers: unknown[] } {
  return {
    providers: state.router.status().map((status) => {
      const code = status.lastError?.code;
      const locked = code === 'LOCKED' || code === 'BAD_SECRET';
      const ready = status.state === 'up';
      return {
        id: status.id,
        type: state.providers.get(status.id)?.type ?? status.kind,
        status: ready ? 'ready' : locked ? 'locked' : 'unavailable',
        ...(ready || status.lastError === undefined ? {} : { detail: status.lastError.message }),
      };
    }),
  };
}

/** The keys `app` may list. */
export async function listKeys(
  state: GatewayState,
  app: AppSpec,
  signal: AbortSignal,
): Promise<{ keys: ApiKey[] }> {
  const [keys, certificates] = await Promise.all([
    state.router.listKeys({ signal }),
    state.router.listCertificates({ signal }).catch(() => []),
  ]);
  return {
    keys: keys
      .filter((key) => isAllowed(app, 'list', identityOf(key)))
      .map((key) => toApiKey(key, certificates)),
  };
}

/** One key, when `app` may list it (404 otherwise, as if it did not exist). */
export async function getKey(
  state: GatewayState,
  app: AppSpec,
  reference: string,
  signal: AbortSignal,
): Promise<ApiKey> {
  const resolved = await resolveGatewayKey(state, reference, signal);
  requireAllowed(app, 'list', resolved.key);
  const certificates = await state.router.listCertificates({ signal }).catch(() => []);
  return toApiKey(resolved.key, certificates);
}

/** The certificates binding keys `app` may list. */
export async function listCertificates(
  state: GatewayState,
  app: AppSpec,
  signal: AbortSignal,
): Promise<{ certificates: ApiCertificate[] }> {
  const [keys, certificates] = await Promise.all([
    state.router.listKeys({ signal }),
    state.router.listCertificates({ signal }),
  ]);
  const visible = keys.filter((key) => isAllowed(app, 'list', identityOf(key)));
  return {
    certificates: certificates
      .map((certificate) => toApiCertificate(certificate, visible))
      .filter((certificate) => certificate.keys.length > 0),
  };
}

/** Resolves the key of an operation and checks the app may use it so. */
async function keyFor(
  state: GatewayState,
  app: AppSpec,
  reference: string,
  op: 'sign' | 'verify' | 'decrypt' | 'encrypt',
  signal: AbortSignal,
): Promise<ResolvedGatewayKey> {
  const resolved = await resolveGatewayKey(state, reference, signal);
  requireAllowed(app, op, resolved.key);
  return resolved;
}

/** `POST /v1/keys/{ref}/sign`. */
export async function sign(
  resolved: ResolvedGatewayKey,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ signature: string }> {
  const fields = signingFields(body);
  const request = {
    key: resolved.key.id,
    ...fields.input,
    ...(fields.hash === undefined ? {} : { hash: fields.hash }),
    ...(fields.scheme === undefined ? {} : { scheme: fields.scheme }),
    ...(fields.signatureEncoding === undefined
      ? {}
      : { signatureEncoding: fields.signatureEncoding }),
    ...(fields.format === undefined ? {} : { format: fields.format }),
    // The API gives OpenPGP and CMS signatures in binary.
    ...(fields.format === 'openpgp' ? { openpgp: { armor: false } } : {}),
  } as SignRequest;
  const result = await resolved.router.sign({ ...request, key: resolved.routedId }, { signal });
  return { signature: b64(result.signature) };
}

/** `POST /v1/keys/{ref}/verify`. */
export async function verify(
  resolved: ResolvedGatewayKey,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ valid: boolean; reason?: string }> {
  const fields = signingFields(body);
  const request = {
    key: resolved.key.id,
    signature: requiredBase64(body, 'signature'),
    ...fields.input,
    ...(fields.hash === undefined ? {} : { hash: fields.hash }),
    ...(fields.scheme === undefined ? {} : { scheme: fields.scheme }),
    ...(fields.signatureEncoding === undefined
      ? {}
      : { signatureEncoding: fields.signatureEncoding }),
    ...(fields.format === undefined ? {} : { format: fields.format }),
  } as VerifyRequest;
  const result = await resolved.router.verify({ ...request, key: resolved.routedId }, { signal });
  return {
    valid: result.valid,
    ...(result.valid || result.reason === undefined ? {} : { reason: result.reason }),
  };
}

/** `POST /v1/keys/{ref}/decrypt`. */
export async function decrypt(
  resolved: ResolvedGatewayKey,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, string>> {
  const key = resolved.key.id;
  let request: DecryptRequest;
  if (body['format'] === 'openpgp' || body['scheme'] === 'openpgp') {
    request = { key, scheme: 'openpgp', message: requiredBase64(body, 'ciphertext') };
  } else {
    const scheme = choiceField(body, 'scheme', ['rsa-oaep', 'rsa-pkcs1v15', 'ecdh'] as const);
    if (scheme === undefined)
      throw new HttpProblem(
        400,
        'INVALID_INPUT',
        'give "scheme" (rsa-oaep, ecdh) or "format": "openpgp"',
      );
    if (scheme === 'ecdh') {
      request = { key, scheme, peerPublicKey: requiredBase64(body, 'publicKey') };
    } else if (scheme === 'rsa-oaep') {
      const hash = hashField(body);
      const label = base64Field(body, 'label');
      request = {
        key,
        scheme,
        ciphertext: requiredBase64(body, 'ciphertext'),
        ...(hash === undefined ? {} : { hash }),
        ...(label === undefined ? {} : { label }),
      };
    } else {
      request = { key, scheme, ciphertext: requiredBase64(body, 'ciphertext') };
    }
  }
  const result = await resolved.router.decrypt({ ...request, key: resolved.routedId }, { signal });
  return result.scheme === 'ecdh'
    ? { sharedSecret: b64(result.sharedSecret) }
    : { plaintext: b64(result.plaintext) };
}

/** `POST /v1/keys/{ref}/encrypt`. */
export async function encrypt(
  resolved: ResolvedGatewayKey,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, string>> {
  const key = resolved.key.id;
  let request: EncryptRequest;
  if (body['format'] === 'openpgp' || body['scheme'] === 'openpgp') {
    request = {
      key,
      scheme: 'openpgp',
      plaintext: requiredBase64(body, 'plaintext'),
      armor: false,
    };
  } else {
    const scheme = choiceField(body, 'scheme', ['rsa-oaep', 'ecdh'] as const);
    if (scheme === undefined)
      throw new HttpProblem(
        400,
        'INVALID_INPUT',
        'give "scheme" (rsa-oaep, ecdh) or "format": "openpgp"',
      );
    if (scheme === 'ecdh') {
      request = { key, scheme };
    } else {
      const hash = hashField(body);
      const label = base64Field(body, 'label');
      request = {
        key,
        scheme,
        plaintext: requiredBase64(body, 'plaintext'),
        ...(hash === undefined ? {} : { hash }),
        ...(label === undefined ? {} : { label }),
      };
    }
  }
  const result = await resolved.router.encrypt({ ...request, key: resolved.routedId }, { signal });
  return result.scheme === 'ecdh'
    ? { ephemeralPublicKey: b64(result.ephemeralPublicKey), sharedSecret: b64(result.sharedSecret) }
    : { ciphertext: b64(result.ciphertext) };
}

export { keyFor };
