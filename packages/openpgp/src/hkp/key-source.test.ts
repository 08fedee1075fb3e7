import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasErrorCode, isProviderError } from '@keyroute/core';
import { generateKey, readKey } from 'openpgp';
import type { PrivateKey, PublicKey } from 'openpgp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchCertificate } from './key-source.js';

async function eccKey(name: string, email: string): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    userIDs: [{ name, email }],
    type: 'ecc',
    curve: 'ed25519Legacy',
    format: 'object',
  });
  return privateKey;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function fingerprintOfArmored(armored: string): Promise<string> {
  return (await readKey({ armoredKey: armored })).getFingerprint().toUpperCase();
}

/** `:` and `%` escaped, as the machine-readable index requires. */
function escapeField(text: string): string {
  return text.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/**
 * A keyserver in the way SKS and Hockeypuck answer: hex searches match fingerprints and key ids
 * (of primary keys and subkeys), other searches match user ID substrings.
 */
class FakeKeyserver {
  readonly keys: PublicKey[] = [];
  readonly requests: URL[] = [];
  /** Overrides the answer to a request, when set. */
  handler: ((url: URL, response: ServerResponse) => boolean) | undefined;
  #server: Server | undefined;

  get url(): string {
    const { port } = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      this.#answer(request, response);
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #matching(search: string): PublicKey[] {
    const hex = /^0x([0-9a-f]+)$/i.exec(search)?.[1]?.toUpperCase();
    return this.keys.filter((key) =>
      hex === undefined
        ? key.getUserIDs().some((userId) => userId.toLowerCase().includes(search.toLowerCase()))
        : key
            .getKeys()
            .some(
              (part) =>
                part.getFingerprint().toUpperCase() === hex ||
                part.getKeyID().toHex().toUpperCase() === hex,
            ),
    );
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.requests.push(url);
    if (this.handler?.(url, response) === true) return;
    if (url.pathname !== '/pks/lookup' || url.searchParams.get('options') !== 'mr') {
      response.writeHead(400).end();
      return;
    }
    const matching = this.#matching(url.searchParams.get('search') ?? '');
    if (matching.length === 0) {
      response.writeHead(404).end('No results found');
      return;
    }
    if (url.searchParams.get('op') === 'get') {
      response.writeHead(200, { 'content-type': 'application/pgp-keys' });
      response.end(matching.map((key) => key.armor()).join('\n'));
      return;
    }
    const lines = [`info:1:${matching.length}`];
    for (const key of matching) {
      const created = Math.floor(key.getCreationTime().getTime() / 1000);
      lines.push(
        `pub:${key.getFingerprint().toUpperCase()}:${key.keyPacket.algorithm}::${created}::`,
      );
      for (const userId of key.getUserIDs()) lines.push(`uid:${escapeField(userId)}:${created}::`);
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`${lines.join('\n')}\n`);
  }
}

describe('fetchCertificate from an HKP server', () => {
  const server = new FakeKeyserver();
  let alice: PrivateKey;
  let aliceWork: PrivateKey;
  let bob: PrivateKey;
  let rebob: PrivateKey;

  beforeAll(async () => {
    [alice, aliceWork, bob, rebob] = await Promise.all([
      eccKey('Alice', 'alice@example.org'),
      eccKey('Alice at work', 'alice@example.org'),
      eccKey('Bob', 'bob@example.org'),
      eccKey('Rebob', 'rebob@example.org'),
    ]);
    server.keys.push(...[alice, aliceWork, bob, rebob].map((key) => key.toPublic()));
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(() => {
    server.handler = undefined;
    server.requests.length = 0;
  });

  it('finds the one key of an e-mail address (op=index, then op=get by fingerprint)', async () => {
    // The server matches substrings, so "bob@" also finds rebob@: the exact address decides.
    const armored = await fetchCertificate('bob@example.org', { url: server.url });
    expect(await fingerprintOfArmored(armored)).toBe(bob.getFingerprint().toUpperCase());
    expect(armored).not.toContain('PRIVATE');
    expect(server.requests.map((url) => url.searchParams.get('op'))).toEqual(['index', 'get']);
    expect(server.requests[1]?.searchParams.get('search')).toBe(
      `0x${bob.getFingerprint().toUpperCase()}`,
    );
  });

  it('finds a key by fingerprint and by key id', async () => {
    const byFingerprint = await fetchCertificate(alice.getFingerprint(), { url: server.url });
    expect(await fingerprintOfArmored(byFingerprint)).toBe(alice.getFingerprint().toUpperCase());
    const byKeyId = await fetchCertificate(`0x${bob.getKeyID().toHex()}`, {
      url: `${server.url}/`,
    });
    expect(await fingerprintOfArmored(byKeyId)).toBe(bob.getFingerprint().toUpperCase());
  });

  it('refuses an ambiguous search with INVALID_INPUT listing every candidate', async () => {
    const error = await rejection(fetchCertificate('alice@example.org', { url: server.url }));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    const message = isProviderError(error) ? error.message : '';
    expect(message).toContain(alice.getFingerprint().toUpperCase());
    expect(message).toContain(aliceWork.getFingerprint().toUpperCase());
    expect(message).toContain('Alice <alice@example.org>');
    expect(message).toContain('Alice at work <alice@example.org>');
    expect(message).toContain('matches 2 keys');
    // Nothing was fetched.
    expect(server.requests.map((url) => url.searchParams.get('op'))).toEqual(['index']);
  });

  it('answers KEY_NOT_FOUND when nothing matches', async () => {
    const error = await rejection(fetchCertificate('carol@example.org', { url: server.url }));
    expect(hasErrorCode(error, 'KEY_NOT_FOUND')).toBe(true);
    expect(isProviderError(error) && error.message).toContain('carol@example.org');
  });

  it('refuses an answer larger than maxBytes, while it streams', async () => {
    let sent = 0;
    server.handler = (_url, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      pump();
      return true;
    };
    const error = await rejection(fetchCertificate('bob@example.org', { url: server.url }));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
    expect(isProviderError(error) && error.message).toContain('larger than 1048576 bytes');
    // The client stopped reading long before the 64 MiB were sent.
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses an answer whose Content-Length is over maxBytes without reading it', async () => {
    server.handler = (_url, response) => {
      response.writeHead(200, { 'content-length': String(2048) }).end('x'.repeat(2048));
      return true;
    };
    const error = await rejection(
      fetchCertificate('bob@example.org', { url: server.url, maxBytes: 1024 }),
    );
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
  });

  it('falls back to op=get when the server has no op=index (HTTP 501)', async () => {
    server.handler = (url, response) => {
      if (url.searchParams.get('op') !== 'index') return false;
      response.writeHead(501).end();
      return true;
    };
    const armored = await fetchCertificate('bob@example.org', { url: server.url });
    expect(await fingerprintOfArmored(armored)).toBe(bob.getFingerprint().toUpperCase());
    const error = await rejection(fetchCertificate('alice@example.org', { url: server.url }));
    expect(hasErrorCode(error, 'INVALID_INPUT')).toBe(true);
  });

  it('refuses an op=get answer holding another key than the one asked for (PROTOCOL)', async () => {
    server.handler = (url, response) => {
      if (url.searchParams.get('op') !== 'get') return false;
      response.writeHead(200).end(rebob.toPublic().armor());
      return true;
    };
    const error = await rejection(fetchCertificate('bob@example.org', { url: server.url }));
    expect(hasErrorCode(error, 'PROTOCOL')).toBe(true);
  });

  it('maps server errors: 5xx to UNAVAILABLE, a garbled index to PROTOCOL', async () => {
    server.handler = (_url, response) => {
      response.writeHead(503).end();
      return true;
    };
    expect(
      hasErrorCode(
        await rejection(fetchCertificate('bob@example.org', { url: server.url })),
        'UNAVAILABLE',
      ),
    ).toBe(true);
    server.handler = (_url, response) => {
      response.writeHead(200).end('info:1:1\npub:garbage:1:1:1::\n');
      return true;
    };
    expect(
      hasErrorCode(
        await rejection(fetchCertificate('bob@example.org', { url: server.url })),
        'PROTOCOL',
      ),
    ).toBe(true);
  });

  it('gives TIMEOUT when the server does not answer in time', async () => {
    server.handler = () => true; // never answers
    const error = await rejection(
      fetchCertificate('bob@example.org', { url: server.url, timeoutMs: 100 }),
    );
    expect(hasErrorCode(error, 'TIMEOUT')).toBe(true);
  });

  it('rejects with the abort reason when the caller aborts', async () => {
    server.handler = () => true;
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => {
      controller.abort(reason);
    }, 30);
    await expect(
      fetchCertificate('bob@example.org', { url: server.url, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('gives UNAVAILABLE when nothing listens', async () => {
    const closed = new FakeKeyserver();
    await closed.start();
    const { url } = closed;
    await closed.stop();
    const error = await rejection(fetchCertificate('bob@example.org', { url }));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
  });

  it('refuses a source that is not exactly one of url and file', async () => {
    expect(
      hasErrorCode(await rejection(fetchCertificate('bob@example.org', {})), 'INVALID_INPUT'),
    ).toBe(true);
    expect(
      hasErrorCode(
        await rejection(fetchCertificate('bob@example.org', { url: server.url, file: '/x' })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});

describe('fetchCertificate from a file', () => {
  let dir: string;
  let alice: PrivateKey;
  let aliceWork: PrivateKey;
  let bob: PrivateKey;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kr-keysource-'));
    [alice, aliceWork, bob] = await Promise.all([
      eccKey('Alice', 'alice@example.org'),
      eccKey('Alice at work', 'alice@example.org'),
      eccKey('Bob', 'bob@example.org'),
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('picks the matching certificate of a file holding several blocks', async () => {
    const file = join(dir, 'keyring.asc');
    await writeFile(
      file,
      [alice, aliceWork, bob].map((key) => key.toPublic().armor()).join('\nsome text between\n'),
    );
    const armored = await fetchCertificate('<bob@example.org>', { file });
    expect(await fingerprintOfArmored(armored)).toBe(bob.getFingerprint().toUpperCase());
    const ambiguous = await rejection(fetchCertificate('alice@example.org', { file }));
    expect(hasErrorCode(ambiguous, 'INVALID_INPUT')).toBe(true);
    expect(isProviderError(ambiguous) && ambiguous.message).toContain(
      aliceWork.getFingerprint().toUpperCase(),
    );
    const missing = await rejection(fetchCertificate('carol@example.org', { file }));
    expect(hasErrorCode(missing, 'KEY_NOT_FOUND')).toBe(true);
  });

  it('reads a binary keyring, and returns only the public part of a secret key', async () => {
    const file = join(dir, 'keyring.gpg');
    await writeFile(file, Buffer.concat([alice.write(), bob.toPublic().write()]));
    const armored = await fetchCertificate(alice.getFingerprint(), { file });
    expect(armored).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect((await readKey({ armoredKey: armored })).isPrivate()).toBe(false);
  });

  it('refuses a file larger than maxBytes, garbage, and a missing file', async () => {
    const file = join(dir, 'big.asc');
    await writeFile(file, bob.toPublic().armor());
    expect(
      hasErrorCode(
        await rejection(fetchCertificate('bob@example.org', { file, maxBytes: 100 })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    const garbage = join(dir, 'garbage.asc');
    await writeFile(garbage, 'hello');
    expect(
      hasErrorCode(
        await rejection(fetchCertificate('bob@example.org', { file: garbage })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    expect(
      hasErrorCode(
        await rejection(fetchCertificate('bob@example.org', { file: join(dir, 'missing.asc') })),
        'UNAVAILABLE',
      ),
    ).toBe(true);
  });
});
