import { createHmac, randomBytes } from 'node:crypto';
import { ProviderError, type SecretSource } from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import { failedWith, toProviderError } from '../errors.js';
import { CKF, CKU_USER } from '../native/constants.js';
import { CKR } from '../native/return-codes.js';
import {
  describeToken,
  hasProtectedAuthenticationPath,
  needsLogin,
  readTokenDetails,
  type TokenDetails,
} from './token-details.js';

/** Options of a {@link TokenLogin}. */
export interface TokenLoginOptions {
  readonly pkcs11: PKCS11;
  readonly provider: string;
  readonly token: TokenDetails;
  /** Supplies the user PIN (`kind: 'pin'`, `key`: the token label). */
  readonly secrets: SecretSource | undefined;
}

const PIN_REJECTED = new Set([CKR.PIN_INCORRECT, CKR.PIN_INVALID, CKR.PIN_LEN_RANGE]);

/**
 * Logs the application in to one token once, for every session (PKCS#11 login state is per
 * application and token), serialised so that concurrent first requests make one `C_Login`.
 *
 * - The PIN comes from the `SecretSource` when the first operation needs it, is used for one
 *   `C_Login` and is not kept; it never appears in a message.
 * - `CKR_USER_ALREADY_LOGGED_IN` counts as success.
 * - A wrong PIN fails with `BAD_SECRET` and is remembered (as a keyed hash): if the source
 *   answers the same PIN again, keyroute refuses without calling `C_Login`, so a stale
 *   configuration cannot burn the token's PIN tries. A new PIN is tried once per request.
 * - A locked PIN (`CKF_USER_PIN_LOCKED` or `CKR_PIN_LOCKED`) fails with `BAD_SECRET` saying so.
 * - It never logs out: `C_Logout` on a shared token would log out every session.
 */
export class TokenLogin {
  readonly #options: TokenLoginOptions;
  readonly #hashKey = randomBytes(32);
  readonly #rejected = new Set<string>();
  #loggedIn = false;
  #pending: Promise<void> | undefined;

  constructor(options: TokenLoginOptions) {
    this.#options = options;
    this.#loggedIn = !needsLogin(options.token);
  }

  /** True once `C_Login` succeeded (or the token needs no login). */
  get loggedIn(): boolean {
    return this.#loggedIn;
  }

  /** Forgets the login (the token reported `CKR_USER_NOT_LOGGED_IN`): the next call logs in. */
  forget(): void {
    this.#loggedIn = !needsLogin(this.#options.token);
  }

  /** Logs in with `session` unless already logged in; concurrent callers share one attempt. */
  ensure(session: Buffer, signal?: AbortSignal): Promise<void> {
    if (this.#loggedIn) return Promise.resolve();
    this.#pending ??= this.#login(session, signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #login(session: Buffer, signal: AbortSignal | undefined): Promise<void> {
    const { provider, token } = this.#options;
    const name = describeToken(token);
    const operation = `log in to token ${name}`;
    this.#refuseLockedPin(name);
    if (hasProtectedAuthenticationPath(token)) {
      try {
        this.#callLogin(session, undefined);
      } catch (error) {
        throw toProviderError(error, { provider, operation });
      }
      return;
    }
    const secret = await this.#options.secrets?.(
      {
        provider,
        kind: 'pin',
        key: token.label,
        description: `PKCS#11 token ${name}`,
        attempt: this.#rejected.size + 1,
      },
      signal === undefined ? {} : { signal },
    );
    signal?.throwIfAborted();
    if (secret === undefined) {
      throw new ProviderError(
        'LOCKED',
        `token ${name} needs its user PIN and no secret source supplied one (configure pin, pinEnv or a secret source)`,
        { provider },
      );
    }
    const pin = typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8');
    const fingerprint = createHmac('sha256', this.#hashKey).update(pin).digest('base64');
    if (this.#rejected.has(fingerprint)) {
      throw new ProviderError(
        'BAD_SECRET',
        `${operation} refused: the token already rejected this PIN; keyroute does not retry a wrong PIN (the token would lock)`,
        { provider },
      );
    }
    try {
      this.#callLogin(session, pin);
    } catch (error) {
      if (failedWith(error, PIN_REJECTED)) this.#rejected.add(fingerprint);
      throw toProviderError(error, { provider, operation });
    }
  }

  /** `C_Login` as the user; throws pkcs11js's error unchanged except for "already logged in". */
  #callLogin(session: Buffer, pin: string | undefined): void {
    const { pkcs11 } = this.#options;
    try {
      if (pin === undefined) pkcs11.C_Login(session, CKU_USER);
      else pkcs11.C_Login(session, CKU_USER, pin);
    } catch (error) {
      if (!failedWith(error, CKR.USER_ALREADY_LOGGED_IN)) throw error;
    }
    this.#loggedIn = true;
  }

  #refuseLockedPin(name: string): void {
    const { pkcs11, provider, token } = this.#options;
    let flags: number;
    try {
      flags = readTokenDetails(pkcs11, token.slot).flags;
    } catch (error) {
      throw toProviderError(error, { provider, operation: `read the state of token ${name}` });
    }
    if ((flags & CKF.USER_PIN_LOCKED) !== 0) {
      throw new ProviderError(
        'BAD_SECRET',
        `the user PIN of token ${name} is locked; unlock it with the security officer PIN`,
        { provider },
      );
    }
  }
}
