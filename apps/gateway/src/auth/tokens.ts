import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { AppSpec } from '../config/types.js';

/** Prefix of the tokens {@link newToken} mints, so that leaked ones are easy to spot. */
export const TOKEN_PREFIX = 'kr_';

/** Random bytes in a token: 256 bits. */
const TOKEN_BYTES = 32;

/** Longest credential {@link findApp} looks at; minted tokens are 46 characters. */
const MAX_TOKEN_LENGTH = 512;

/** `Bearer <token68>` (RFC 6750 §2.1), the scheme in any case, spaces or tabs between. */
const BEARER = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/** Length in bytes of a SHA-256 digest. */
const SHA256_BYTES = 32;

/** Compared against when a configured hash is malformed, so that every app costs the same. */
const NEVER_MATCHES = Buffer.alloc(SHA256_BYTES);

/**
 * Mints an application token: `kr_` and 32 random bytes in base64url (46 characters). Show it
 * once and keep only {@link hashToken}'s digest of it.
 */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** The SHA-256 of `token`'s UTF-8 bytes, in lower-case hex: what configs store (`token.sha256`). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The credential of an `Authorization: Bearer <token>` header value, or `undefined` when the
 * header is missing, uses another scheme, or is not `Bearer` followed by one token68.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length > MAX_TOKEN_LENGTH + 16) return undefined;
  const token = BEARER.exec(authorization)?.[1];
  return token === undefined || token.length > MAX_TOKEN_LENGTH ? undefined : token;
}

/**
 * The application whose token is in the `Authorization` header value, or `undefined` (answer
 * 401) when the header is missing, malformed, or carries no configured token.
 *
 * The token is hashed once, and its digest is compared with `crypto.timingSafeEqual` against
 * the hash of every app, without stopping at a match, so the time taken says nothing about
 * which app (if any) matched nor how much of a hash did.
 */
export function findApp(
  apps: readonly AppSpec[],
  authorization: string | undefined,
): AppSpec | undefined {
  const token = bearerToken(authorization);
  if (token === undefined) return undefined;
  const digest = createHash('sha256').update(token, 'utf8').digest();
  let found: AppSpec | undefined;
  for (const app of apps) {
    const expected = Buffer.from(app.tokenSha256, 'hex');
    const valid = expected.length === SHA256_BYTES;
    const equal = timingSafeEqual(digest, valid ? expected : NEVER_MATCHES);
    if (equal && valid && found === undefined) found = app;
  }
  return found;
}
