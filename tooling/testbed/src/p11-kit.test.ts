import { access, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireP11KitModule, startP11KitServer } from './p11-kit.js';
import type { P11KitServer } from './p11-kit.js';
import { createSoftHsmToken } from './softhsm-token.js';
import type { SoftHsmToken } from './softhsm-token.js';
import { createTempDir } from './temp-dir.js';
import { requireTool } from './tools.js';

// The checks use tools other than the one under test: p11tool (gnutls-bin) for the trust module,
// pkcs11-tool (opensc) through p11-kit-client.so for the server, and ps for processes. Nothing is
// skipped: a missing tool fails the suite with the Debian package to install.
//
// P11_KIT_SERVER_ADDRESS must be in the environment before a process loads p11-kit-client.so:
// the client reads it once, in C_GetFunctionList (before C_Initialize), and builds its transport
// from it. Setting it afterwards, even before C_Initialize, has no effect (checked with pkcs11js).
// Without it the client falls back to $XDG_RUNTIME_DIR/p11-kit/pkcs11 and shows no slots.

/** `ps` rows (pid and command) of the children of `parent`. */
async function childrenOf(parent: number): Promise<{ pid: number; command: string }[]> {
  const result = await execa('ps', ['--ppid', String(parent), '-o', 'pid=,comm='], {
    reject: false,
  });
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields): fields is [string, string] => fields.length === 2)
    .map(([pid, command]) => ({ pid: Number(pid), command }));
}

/** `ps` state and command of a pid; a zombie (never reaped in some containers) counts as gone. */
async function processOf(pid: number): Promise<{ state: string; command: string } | undefined> {
  const result = await execa('ps', ['-o', 'stat=,comm=', '-p', String(pid)], { reject: false });
  const [state, command] = result.stdout.trim().split(/\s+/);
  return result.exitCode === 0 && state !== undefined && command !== undefined
    ? { state, command }
    : undefined;
}

async function isRunning(pid: number): Promise<boolean> {
  const state = await processOf(pid);
  return state !== undefined && !state.state.startsWith('Z');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `pkcs11-tool --module <client module>` with the server's environment only. */
async function pkcs11Tool(
  server: P11KitServer,
  args: readonly string[],
  env: Record<string, string> = server.env,
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const tool = await requireTool('pkcs11-tool', 'opensc');
  const result = await execa(tool, ['--module', server.clientModule, ...args], {
    env,
    reject: false,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** `Label:` values of `p11tool --list-tokens`. */
function tokenLabels(listing: string): string[] {
  return [...listing.matchAll(/^\s*Label: (.*)$/gm)].map((match) => match[1] ?? '');
}

/** `{ kind, label, id }` of each object of `pkcs11-tool --list-objects`. */
function listedObjects(listing: string): { kind: string; label: string; id: string }[] {
  return listing
    .split(/^(?=\S)/m)
    .map((block) => ({
      kind: /^(\w+ \w+) Object/.exec(block)?.[1] ?? '',
      label: /^\s+label:\s+(.*)$/m.exec(block)?.[1] ?? '',
      id: /^\s+ID:\s+(\w+)$/m.exec(block)?.[1] ?? '',
    }))
    .filter((object) => object.kind !== '');
}

describe('requireP11KitModule', () => {
  it('finds p11-kit-trust.so, whose system trust token p11tool lists with many CA certificates', async () => {
    const trust = await requireP11KitModule('p11-kit-trust');
    expect(trust).toMatch(/^\/.*\/p11-kit-trust\.so$/);
    expect((await stat(trust)).isFile()).toBe(true);
    const p11tool = await requireTool('p11tool', 'gnutls-bin');

    // One token per trust path. Debian 12 (p11-kit 0.24.1, ca-certificates): a single token
    // "System Trust" for /etc/ssl/certs/ca-certificates.crt. Fedora adds "Default Trust" for
    // /usr/share/pki/ca-trust-source: assert on the count, not on the label.
    const tokens = await execa(p11tool, ['--provider', trust, '--list-tokens']);
    const labels = tokenLabels(tokens.stdout);
    expect(labels.length).toBeGreaterThanOrEqual(1);
    expect(labels.every((label) => label !== '')).toBe(true);

    // Debian's ca-certificates bundle yields 144 trusted CA certificates here (p11tool prints one
    // `Object N:` block with a `type=cert` URL and `CKA_TRUSTED` each). The bar is low on purpose
    // so that the yearly CA churn never breaks it; an empty or broken trust store still fails.
    const trusted = await execa(p11tool, ['--provider', trust, '--list-all-trusted']);
    const certificates = trusted.stdout
      .split(/^Object \d+:$/m)
      .slice(1)
      .filter((block) => /URL: pkcs11:.*;type=cert$/m.test(block) && block.includes('CKA_TRUSTED'));
    expect(
      certificates.length,
      'trusted CA certificates (install the Debian package "ca-certificates")',
    ).toBeGreaterThanOrEqual(20);
  });

  it('finds p11-kit-client.so next to it', async () => {
    const [trust, client] = await Promise.all([
      requireP11KitModule('p11-kit-trust'),
      requireP11KitModule('p11-kit-client'),
    ]);
    expect(client).toBe(trust.replace(/p11-kit-trust\.so$/, 'p11-kit-client.so'));
    expect((await stat(client)).isFile()).toBe(true);
  });
});

describe('startP11KitServer forwarding a SoftHSM2 token', () => {
  let token: SoftHsmToken;
  let server: P11KitServer;

  beforeAll(async () => {
    token = await createSoftHsmToken();
    server = await startP11KitServer({ token });
  });

  afterAll(async () => {
    await server.stop();
    await token.dispose();
  });

  it('listens on a short private Unix socket and runs p11-kit-server', async () => {
    expect(server.address).toBe(`unix:path=${server.socket}`);
    expect(server.env).toEqual({ P11_KIT_SERVER_ADDRESS: server.address });
    expect(server.tokenUri).toBe('pkcs11:token=keyroute');
    expect(Buffer.byteLength(server.socket)).toBeLessThanOrEqual(107);
    expect((await stat(server.socket)).isSocket()).toBe(true);
    expect((await stat(server.socket.replace(/\/[^/]+$/, ''))).mode & 0o777).toBe(0o700);
    expect(await processOf(server.pid)).toMatchObject({ command: 'p11-kit-server' });
    expect(server.clientModule).toBe(await requireP11KitModule('p11-kit-client'));
  });

  it('shows the token to pkcs11-tool through p11-kit-client.so', async () => {
    const { exitCode, stdout, stderr } = await pkcs11Tool(server, ['--list-slots']);
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toMatch(/^\s+token label\s+: keyroute$/m);
    expect(stdout).toMatch(new RegExp(`^\\s+serial num\\s+: ${token.serial}$`, 'm'));
    // Only the requested token is forwarded: one slot.
    expect(stdout.match(/^Slot \d+/gm)).toHaveLength(1);
  });

  it('logs in with the PIN and lists the key objects', async () => {
    const { exitCode, stdout, stderr } = await pkcs11Tool(server, [
      '--token-label',
      token.label,
      '--login',
      '--pin',
      token.pin,
      '--list-objects',
    ]);
    expect(exitCode, stderr).toBe(0);
    const objects = listedObjects(stdout);
    for (const key of token.keys) {
      expect(objects).toContainEqual({ kind: 'Private Key', label: key.label, id: key.id });
      expect(objects).toContainEqual({ kind: 'Public Key', label: key.label, id: key.id });
    }
    expect(objects.filter((object) => object.kind === 'Private Key')).toHaveLength(
      token.keys.length,
    );
  });

  it('shows no slot to a client without P11_KIT_SERVER_ADDRESS', async () => {
    // Without the variable the client tries $XDG_RUNTIME_DIR/p11-kit/pkcs11: point it at an
    // empty directory so that no session-wide server of the machine answers instead.
    const runtime = await createTempDir();
    try {
      const { exitCode, stdout, stderr } = await pkcs11Tool(server, ['--list-slots'], {
        P11_KIT_SERVER_ADDRESS: '',
        XDG_RUNTIME_DIR: runtime.path,
      });
      // OpenSC 0.23.0 prints "Available slots:" on stdout, "No slots." on stderr and exits 1.
      expect(stdout).not.toContain('keyroute');
      expect(stderr).toContain('No slots');
      expect(exitCode).toBe(1);
    } finally {
      await runtime.remove();
    }
  });
});

describe('P11KitServer.stop', () => {
  it('ends the server and its connection children, removes its directory, and is idempotent', async () => {
    await using token = await createSoftHsmToken({ keys: [] });
    const server = await startP11KitServer({ token });
    const directory = server.socket.replace(/\/[^/]+$/, '');

    // A client that never disconnects keeps a p11-kit-remote child of the server alive.
    const client: Socket = connect(server.socket);
    client.on('error', () => {
      // The child ends when stop() kills it: a reset connection is expected.
    });
    let remotes: { pid: number; command: string }[] = [];
    for (let i = 0; i < 100 && remotes.length === 0; i++) {
      await sleep(20);
      remotes = (await childrenOf(server.pid)).filter((p) => p.command === 'p11-kit-remote');
    }
    expect(remotes).toHaveLength(1);

    try {
      await server.stop();
      expect(await isRunning(server.pid)).toBe(false);
      for (const remote of remotes) expect(await isRunning(remote.pid)).toBe(false);
      expect(await exists(server.socket)).toBe(false);
      expect(await exists(directory)).toBe(false);

      await server.stop();
      await server[Symbol.asyncDispose]();
      expect(await isRunning(server.pid)).toBe(false);
    } finally {
      client.destroy();
    }
  });

  it('refuses to start when the signal is already aborted', async () => {
    await using token = await createSoftHsmToken({ keys: [] });
    const reason = new Error('aborted by the test');
    await expect(startP11KitServer({ token, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
  });
});
