import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { requireTool } from '@keyroute/testbed';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAssuanServer } from '../../src/connect/spawn.js';
import { AssuanError } from '../../src/errors.js';

let sh: string;

beforeAll(async () => {
  sh = await requireTool('sh', 'dash');
});

/**
 * A tiny Assuan server in sh: COPY copies fd 3 to fd 4 and closes fd 4 (as gpgsm closes an OUTPUT
 * fd after the command), ECHO writes its argument as data, BYE ends.
 */
const SH_SERVER = `
echo "OK sh server ready"
echo "starting" >&2
while IFS= read -r line; do
  case "$line" in
    COPY) cat <&3 >&4; exec 4>&-; echo OK ;;
    "ECHO "*) echo "D \${line#ECHO }"; echo OK ;;
    BYE) echo "OK closing"; exit 0 ;;
    *) echo "ERR 536871187 Unknown IPC command" ;;
  esac
done
`;

function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    stream.once('end', () => {
      resolve(Buffer.concat(chunks));
    });
  });
}

describe('spawnAssuanServer', () => {
  it('talks over stdin/stdout and passes data through the extra pipes', async () => {
    const server = await spawnAssuanServer(sh, ['-c', SH_SERVER], {
      extraPipes: 2,
      env: { KR_TEST: '1' },
    });
    expect(server.connection.greeting).toBe('sh server ready');
    expect(Object.keys(server.pipes)).toEqual(['3', '4']);
    const input = server.pipes[3];
    const output = server.pipes[4];
    if (input === undefined || output === undefined) throw new Error('pipes missing');
    const payload = Buffer.alloc(200_000, 'x');
    const copied = readAll(output);
    input.end(payload);
    await server.connection.transact('COPY');
    expect((await copied).equals(payload)).toBe(true);
    const { data } = await server.connection.transact('ECHO', 'hello');
    expect(Buffer.from(data).toString()).toBe('hello');
    await expect(server.connection.transact('NOPE')).rejects.toBeInstanceOf(AssuanError);
    expect(server.stderr).toBe('starting\n');
    await server[Symbol.asyncDispose]();
    expect(server.child.exitCode).toBe(0);
    expect(server.connection.closed).toBe(true);
  });

  it('kills a child that does not exit after BYE', async () => {
    const script = 'echo "OK ready"; while IFS= read -r line; do echo OK; done; exec sleep 60';
    const server = await spawnAssuanServer(sh, ['-c', script]);
    await server.dispose();
    expect(server.child.signalCode).toBe('SIGTERM');
  });

  it('names a missing executable', async () => {
    await expect(spawnAssuanServer('/nonexistent/gpgsm', ['--server'])).rejects.toThrow(
      'cannot start /nonexistent/gpgsm: not found (ENOENT)',
    );
  });

  it('reports the exit code and stderr of a child that exits before greeting', async () => {
    const error: unknown = await spawnAssuanServer(sh, [
      '-c',
      'echo "bad option --frobnicate" >&2; exit 3',
    ]).catch((e: unknown) => e);
    expect((error as Error).message).toContain('exited with code 3 before its Assuan greeting');
    expect((error as Error).message).toContain('bad option --frobnicate');
  });

  it('rejects an ERR greeting with the AssuanError', async () => {
    const error: unknown = await spawnAssuanServer(sh, [
      '-c',
      'echo "ERR 67108961 Too many connections"; cat >/dev/null',
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssuanError);
    expect(error).toMatchObject({ code: 97, source: 4 });
  });

  it('kills the child and rejects with signal.reason when aborted before the greeting', async () => {
    const controller = new AbortController();
    const starting = spawnAssuanServer(sh, ['-c', 'exec sleep 60'], {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reason = new Error('start took too long');
    controller.abort(reason);
    await expect(starting).rejects.toBe(reason);
  });

  it('refuses a bad extraPipes', async () => {
    await expect(spawnAssuanServer(sh, [], { extraPipes: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(spawnAssuanServer(sh, [], { extraPipes: 17 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('gpg-agent --server through spawnAssuanServer', () => {
  let homedir = '';
  let gpgAgent = '';

  beforeAll(async () => {
    gpgAgent = await requireTool('gpg-agent', 'gpg-agent');
    homedir = await mkdtemp(join(tmpdir(), 'kr-spawn-'));
  });

  afterAll(async () => {
    if (homedir !== '') await rm(homedir, { recursive: true, force: true });
  });

  it('speaks Assuan on stdio and exits after BYE', async () => {
    const server = await spawnAssuanServer(gpgAgent, ['--server', '--homedir', homedir]);
    const { data } = await server.connection.transact('GETINFO', 'version');
    const { stdout } = await execa(gpgAgent, ['--version']);
    expect(stdout.split('\n')[0]).toBe(`gpg-agent (GnuPG) ${Buffer.from(data).toString()}`);
    const { data: keyinfo, status } = await server.connection.transact('KEYINFO', '--list');
    expect(keyinfo.byteLength + status.length).toBe(0);
    await server.dispose();
    expect(server.child.exitCode).toBe(0);
  });
});
