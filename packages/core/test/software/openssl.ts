/**
 * Runs the real `openssl` CLI as an independent implementation to check against.
 * Files live in a throw-away directory per test file.
 */
import { execFile } from 'node:child_process';
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  type KeyPairKeyObjectResult,
} from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { HashAlgorithm, KeyAlgorithm } from '../../src/contract/algorithms.js';
import { EC_CURVE_PARAMETERS } from '../../src/encoding/ec-curves.js';

/** The result of one `openssl` run. */
export interface OpenSslResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `openssl args…`; resolves with the exit code instead of rejecting on failure. */
export function runOpenSsl(args: readonly string[]): Promise<OpenSslResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { encoding: 'buffer' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(
          new Error(
            `cannot run the openssl CLI (${error.message}); install OpenSSL 3 and put openssl on PATH`,
            { cause: error },
          ),
        );
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

/** Runs `openssl args…` and returns stdout; throws with stderr when openssl fails. */
export async function openssl(args: readonly string[]): Promise<Buffer> {
  const result = await runOpenSsl(args);
  if (result.code !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return result.stdout;
}

/** A temporary directory with helpers to write inputs and read outputs. */
export interface Workdir {
  readonly path: (name: string) => string;
  readonly write: (name: string, bytes: Uint8Array | string) => Promise<string>;
  readonly read: (name: string) => Promise<Buffer>;
  readonly remove: () => Promise<void>;
}

/** Creates a throw-away directory. */
export async function createWorkdir(): Promise<Workdir> {
  const dir = await mkdtemp(join(tmpdir(), 'keyroute-software-'));
  const path = (name: string): string => join(dir, name);
  return {
    path,
    write: async (name, bytes) => {
      await writeFile(path(name), bytes);
      return path(name);
    },
    read: (name) => readFile(path(name)),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A generated key pair with its DER SPKI and its PEM files in a workdir. */
export interface TestKey {
  readonly algorithm: KeyAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Uint8Array;
  /** Path of the PKCS #8 PEM private key. */
  readonly privatePem: string;
  /** Path of the SPKI PEM public key. */
  readonly publicPem: string;
}

let counter = 0;

/** Generates a key of `algorithm` with node and writes it as PEM for openssl. */
export async function createTestKey(workdir: Workdir, algorithm: KeyAlgorithm): Promise<TestKey> {
  let pair: KeyPairKeyObjectResult;
  switch (algorithm.kind) {
    case 'rsa':
      pair = generateKeyPairSync('rsa', { modulusLength: algorithm.bits });
      if (pair.publicKey.asymmetricKeyDetails?.modulusLength !== algorithm.bits) {
        throw new Error(`OpenSSL did not make an RSA key of exactly ${algorithm.bits} bits`);
      }
      break;
    case 'ec':
      pair = generateKeyPairSync('ec', {
        namedCurve: EC_CURVE_PARAMETERS[algorithm.curve].opensslName,
      });
      break;
    case 'ed25519':
      pair = generateKeyPairSync('ed25519');
      break;
    case 'ed448':
      pair = generateKeyPairSync('ed448');
      break;
    case 'x25519':
      pair = generateKeyPairSync('x25519');
      break;
    case 'x448':
      pair = generateKeyPairSync('x448');
      break;
  }
  return writeTestKey(workdir, algorithm, pair.privateKey);
}

/** Writes an existing private key as PEM files. */
export async function writeTestKey(
  workdir: Workdir,
  algorithm: KeyAlgorithm,
  privateKey: KeyObject,
): Promise<TestKey> {
  const publicKey = createPublicKey(privateKey);
  const name = `key-${++counter}`;
  const privatePem = await workdir.write(
    `${name}.key.pem`,
    privateKey.export({ format: 'pem', type: 'pkcs8' }),
  );
  const publicPem = await workdir.write(
    `${name}.pub.pem`,
    publicKey.export({ format: 'pem', type: 'spki' }),
  );
  const spki = Uint8Array.from(publicKey.export({ format: 'der', type: 'spki' }));
  return { algorithm, privateKey, publicKey, spki, privatePem, publicPem };
}

/** The digest of `bytes` with `hash`, computed by node:crypto. */
export function digestOf(hash: HashAlgorithm, bytes: Uint8Array): Uint8Array {
  return createHash(hash).update(bytes).digest();
}
