import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.js';
import { findTokenByLabel, parseSoftHsmSlots } from './softhsm-slots.js';
import { createTempDir } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';
import { requireSoftHsmModule, requireTool } from './tools.js';

/** One key pair to generate on a SoftHSM2 token (`pkcs11-tool --keypairgen`). */
export interface SoftHsmKeySpec {
  /** CKA_ID as hex, e.g. `01`; the private key, public key and certificate share it. */
  readonly id: string;
  /** CKA_LABEL of the key objects (and of the certificate). */
  readonly label: string;
  /** `pkcs11-tool --key-type` value. */
  readonly type:
    'rsa:2048' | 'rsa:3072' | 'EC:prime256v1' | 'EC:secp384r1' | 'EC:secp521r1' | 'EC:edwards25519';
  /** Also store a self-signed X.509 certificate of the key, with the same id and label. */
  readonly certificate?: boolean;
}

/**
 * The keys {@link createSoftHsmToken} generates when none are requested: RSA-2048 and P-256 with
 * certificates, P-384, RSA-3072 and Ed25519 (SoftHSM's CKM_EDDSA) without.
 */
export const DEFAULT_SOFTHSM_KEYS: readonly SoftHsmKeySpec[] = Object.freeze([
  { id: '01', label: 'rsa2048', type: 'rsa:2048', certificate: true },
  { id: '02', label: 'p256', type: 'EC:prime256v1', certificate: true },
  { id: '03', label: 'p384', type: 'EC:secp384r1' },
  { id: '04', label: 'rsa3072', type: 'rsa:3072' },
  { id: '05', label: 'ed25519', type: 'EC:edwards25519' },
] as const satisfies readonly SoftHsmKeySpec[]);

/** A key pair generated on the token, with its public parts read back from the token. */
export interface SoftHsmTokenKey {
  readonly id: string;
  readonly label: string;
  readonly type: SoftHsmKeySpec['type'];
  /** DER SubjectPublicKeyInfo of the public key object, read back with `p11tool --export`. */
  readonly publicKeySpki: Uint8Array;
  /** DER X.509 certificate read back from the token, when the spec asked for one. */
  readonly certificate?: Uint8Array;
}

/** A throw-away SoftHSM2 token store with one initialised token and generated keys. */
export interface SoftHsmToken extends AsyncDisposable {
  /** The private temporary directory holding config, token files and scratch files. */
  readonly dir: string;
  /** Path of the private `softhsm2.conf`. */
  readonly conf: string;
  /** Environment every process using the module needs: `{ SOFTHSM2_CONF }`. */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute path of `libsofthsm2.so`. */
  readonly module: string;
  /** Label of the first token. */
  readonly label: string;
  /** Serial number of the first token (16 hex digits); slot ids are random, serials stable. */
  readonly serial: string;
  /** User PIN of every token in this store. */
  readonly pin: string;
  /** Security-officer PIN of every token in this store. */
  readonly soPin: string;
  /** Keys of the first token, in spec order. */
  readonly keys: readonly SoftHsmTokenKey[];
  /**
   * Initialises another (empty) token in the same store, with the same PINs.
   *
   * @throws Error when the label is invalid or already used in this store.
   */
  addToken(label: string): Promise<{ label: string; serial: string }>;
  /** Removes the directory (tokens included); idempotent. No daemon runs for SoftHSM. */
  dispose(): Promise<void>;
}

/** Options of {@link createSoftHsmToken}. */
export interface SoftHsmTokenOptions {
  /** Label of the first token, `keyroute` by default. */
  readonly label?: string;
  /** User PIN, `1234` by default. */
  readonly pin?: string;
  /** SO PIN, `12345678` by default. */
  readonly soPin?: string;
  /** Keys to generate, {@link DEFAULT_SOFTHSM_KEYS} by default. */
  readonly keys?: readonly SoftHsmKeySpec[];
  /** Aborts creation (the directory is removed) and rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

interface SoftHsmTools {
  readonly softhsmUtil: string;
  readonly pkcs11Tool: string;
  readonly p11tool: string;
  readonly certtool: string | undefined;
}

const TOKEN_LABEL = /^[\x21-\x7e](?:[\x20-\x7e]{0,30}[\x21-\x7e])?$/;
const KEY_LABEL = /^[\w.+-]{1,64}$/;
const KEY_ID = /^(?:[0-9a-f]{2}){1,32}$/i;

function validateTokenLabel(label: string): void {
  if (!TOKEN_LABEL.test(label)) {
    throw new Error(
      `SoftHSM token label "${label}" must be 1-32 printable ASCII characters without surrounding spaces`,
    );
  }
}

function validatePin(name: string, pin: string): void {
  if (!/^[\x21-\x7e]{4,255}$/.test(pin)) {
    throw new Error(`${name} must be 4-255 printable ASCII characters without spaces`);
  }
}

function validateKeySpecs(specs: readonly SoftHsmKeySpec[]): void {
  const ids = new Set<string>();
  for (const spec of specs) {
    if (!KEY_ID.test(spec.id)) throw new Error(`SoftHSM key id "${spec.id}" must be hex bytes`);
    if (ids.has(spec.id.toLowerCase()))
      throw new Error(`SoftHSM key id "${spec.id}" is used twice`);
    ids.add(spec.id.toLowerCase());
    if (!KEY_LABEL.test(spec.label)) {
      throw new Error(`SoftHSM key label "${spec.label}" must match [A-Za-z0-9_.+-]{1,64}`);
    }
  }
}

/** Percent-encodes a PKCS#11 URI attribute value (RFC 7512 §2.3), every byte outside unreserved. */
function pk11Encode(value: string): string {
  return [...new TextEncoder().encode(value)]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/** RFC 7512 URI of one object of a key spec on a token. */
function objectUri(
  token: { label: string; serial: string },
  id: string,
  type: 'private' | 'public' | 'cert',
): string {
  const encodedId = (id.match(/../g) ?? []).map((byte) => `%${byte}`).join('');
  return `pkcs11:token=${pk11Encode(token.label)};serial=${pk11Encode(token.serial)};id=${encodedId};type=${type}`;
}

/** certtool template of a self-signed end-entity certificate (GnuTLS `certtool --template`). */
function certificateTemplate(spec: SoftHsmKeySpec): string {
  // A positive 63-bit serial: unique enough that no two test certificates collide.
  const serial = randomBytes(8);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  return [
    `cn = "keyroute testbed ${spec.label}"`,
    `serial = 0x${serial.toString('hex')}`,
    'expiration_days = 3650',
    'signing_key',
    ...(spec.type.startsWith('rsa:') ? ['encryption_key'] : []),
    '',
  ].join('\n');
}

class SoftHsmTokenImpl implements SoftHsmToken {
  readonly dir: string;
  readonly conf: string;
  readonly env: Readonly<Record<string, string>>;
  readonly module: string;
  label = '';
  serial = '';
  readonly pin: string;
  readonly soPin: string;
  keys: readonly SoftHsmTokenKey[] = [];
  readonly #dirHandle: TempDir;
  readonly #tools: SoftHsmTools;
  readonly #labels = new Set<string>();
  #disposal: Promise<void> | undefined;

  constructor(
    dir: TempDir,
    module: string,
    tools: SoftHsmTools,
    pins: { pin: string; soPin: string },
  ) {
    this.#dirHandle = dir;
    this.dir = dir.path;
    this.conf = join(dir.path, 'softhsm2.conf');
    this.env = Object.freeze({ SOFTHSM2_CONF: this.conf });
    this.module = module;
    this.#tools = tools;
    this.pin = pins.pin;
    this.soPin = pins.soPin;
  }

  async #run(
    file: string,
    args: readonly string[],
    signal?: AbortSignal,
    env?: Record<string, string>,
  ): Promise<{ stdout: string; stderr: string }> {
    if (this.#disposal !== undefined) throw new Error(`SoftHSM store ${this.dir} is disposed`);
    return run(file, args, { env: { ...this.env, ...env }, signal });
  }

  async configure(): Promise<void> {
    const tokendir = join(this.dir, 'tokens');
    await mkdir(tokendir, { mode: 0o700 });
    await mkdir(join(this.dir, 'work'), { mode: 0o700 });
    const conf = [
      '# written by @keyroute/testbed',
      `directories.tokendir = ${tokendir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      '',
    ].join('\n');
    await writeFile(this.conf, conf, { mode: 0o600 });
  }

  async initToken(label: string, signal?: AbortSignal): Promise<{ label: string; serial: string }> {
    validateTokenLabel(label);
    if (this.#labels.has(label))
      throw new Error(`SoftHSM token label "${label}" is already used in ${this.dir}`);
    this.#labels.add(label);
    await this.#run(
      this.#tools.softhsmUtil,
      ['--init-token', '--free', '--label', label, '--so-pin', this.soPin, '--pin', this.pin],
      signal,
    );
    const { stdout } = await this.#run(this.#tools.softhsmUtil, ['--show-slots'], signal);
    return { label, serial: findTokenByLabel(parseSoftHsmSlots(stdout), label).serial };
  }

  addToken(label: string): Promise<{ label: string; serial: string }> {
    return this.initToken(label);
  }

  #pkcs11Args(...args: string[]): string[] {
    return ['--module', this.module, '--token-label', this.label, ...args];
  }

  async generateKey(spec: SoftHsmKeySpec, signal?: AbortSignal): Promise<SoftHsmTokenKey> {
    const login = ['--login', '--pin', this.pin];
    await this.#run(
      this.#tools.pkcs11Tool,
      this.#pkcs11Args(
        ...login,
        '--keypairgen',
        '--key-type',
        spec.type,
        '--id',
        spec.id,
        '--label',
        spec.label,
      ),
      signal,
    );
    const work = join(this.dir, 'work');
    let certificate: Uint8Array | undefined;
    if (spec.certificate === true) {
      const certtool = this.#tools.certtool;
      if (certtool === undefined) throw new Error('certtool was not resolved');
      const template = join(work, `${spec.id}.tmpl`);
      const generated = join(work, `${spec.id}.generated.der`);
      await writeFile(template, certificateTemplate(spec));
      await this.#run(
        certtool,
        [
          '--provider',
          this.module,
          '--generate-self-signed',
          '--load-privkey',
          objectUri(this, spec.id, 'private'),
          '--template',
          template,
          '--outder',
          '--outfile',
          generated,
        ],
        signal,
        // certtool reads the PIN from the environment instead of prompting.
        { GNUTLS_PIN: this.pin },
      );
      await this.#run(
        this.#tools.pkcs11Tool,
        this.#pkcs11Args(
          ...login,
          '--write-object',
          generated,
          '--type',
          'cert',
          '--id',
          spec.id,
          '--label',
          spec.label,
        ),
        signal,
      );
      certificate = await this.#readObject('cert', spec.id, signal);
    }
    const publicKeySpki = await this.#readObject('public', spec.id, signal);
    return {
      id: spec.id,
      label: spec.label,
      type: spec.type,
      publicKeySpki,
      ...(certificate === undefined ? {} : { certificate }),
    };
  }

  /**
   * Reads a public object back from the token as DER (a public key as SPKI), proving it is really
   * stored there. p11tool, not `pkcs11-tool --read-object`: OpenSC 0.23.0's pkcs11-tool fails on
   * P-384 public keys ("cannot create EVP_PKEY") while P-256 and P-521 work.
   */
  async #readObject(
    type: 'public' | 'cert',
    id: string,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const output = join(this.dir, 'work', `${id}.${type}.read.der`);
    await this.#run(
      this.#tools.p11tool,
      [
        '--provider',
        this.module,
        '--export',
        objectUri(this, id, type),
        '--outder',
        '--outfile',
        output,
      ],
      signal,
    );
    const der = new Uint8Array(await readFile(output));
    if (der.length === 0)
      throw new Error(`${type} object ${id} read back from token "${this.label}" is empty`);
    return der;
  }

  dispose(): Promise<void> {
    this.#disposal ??= this.#dirHandle.remove();
    return this.#disposal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * Creates a private SoftHSM2 token store (its own `mkdtemp` directory and `softhsm2.conf`, so
 * parallel suites never share tokens), initialises one token and generates the key pairs with
 * `pkcs11-tool --keypairgen`. Certificates are self-signed on the token by `certtool` through the
 * module and stored with `pkcs11-tool --write-object`. Public keys and certificates are read back
 * from the token with `p11tool --export`.
 *
 * @throws Error naming the Debian package when softhsm2-util or libsofthsm2.so (`softhsm2`),
 *   pkcs11-tool (`opensc`), p11tool or certtool (`gnutls-bin`; certtool only when a certificate
 *   is requested) is missing; Error from the tool that failed. On failure (and on abort, which rejects with
 *   `signal.reason`) the directory is removed.
 */
export async function createSoftHsmToken(options: SoftHsmTokenOptions = {}): Promise<SoftHsmToken> {
  const label = options.label ?? 'keyroute';
  const pin = options.pin ?? '1234';
  const soPin = options.soPin ?? '12345678';
  const specs = options.keys ?? DEFAULT_SOFTHSM_KEYS;
  validateTokenLabel(label);
  validatePin('pin', pin);
  validatePin('soPin', soPin);
  validateKeySpecs(specs);
  const needsCerttool = specs.some((spec) => spec.certificate === true);
  const [module, softhsmUtil, pkcs11Tool, p11tool, certtool] = await Promise.all([
    requireSoftHsmModule(),
    requireTool('softhsm2-util', 'softhsm2'),
    requireTool('pkcs11-tool', 'opensc'),
    requireTool('p11tool', 'gnutls-bin'),
    needsCerttool ? requireTool('certtool', 'gnutls-bin') : undefined,
  ]);
  const { signal } = options;
  signal?.throwIfAborted();
  const token = new SoftHsmTokenImpl(
    await createTempDir(),
    module,
    { softhsmUtil, pkcs11Tool, p11tool, certtool },
    { pin, soPin },
  );
  try {
    await token.configure();
    const first = await token.initToken(label, signal);
    token.label = first.label;
    token.serial = first.serial;
    const keys: SoftHsmTokenKey[] = [];
    // One after the other: the file object store of one token is not meant for concurrent writers.
    for (const spec of specs) keys.push(await token.generateKey(spec, signal));
    token.keys = Object.freeze(keys);
    return token;
  } catch (error) {
    await token.dispose();
    throw error;
  }
}
