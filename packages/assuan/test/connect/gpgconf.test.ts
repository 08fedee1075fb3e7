import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@keyroute/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listGpgDirs, parseGpgconfDirs } from '../../src/connect/gpgconf.js';

describe('parseGpgconfDirs', () => {
  it('parses name:value lines and decodes percent-escapes', () => {
    expect(
      parseGpgconfDirs(
        'homedir:/tmp/a%3ab c%25d\nagent-socket:/tmp/a%3ab c%25d/S.gpg-agent\nbindir:/usr/bin\n',
      ),
    ).toEqual({
      homedir: '/tmp/a:b c%d',
      'agent-socket': '/tmp/a:b c%d/S.gpg-agent',
      bindir: '/usr/bin',
    });
    expect(parseGpgconfDirs('x:%C3%A9\r\n')).toEqual({ x: 'é' });
    expect(parseGpgconfDirs('')).toEqual({});
  });

  it.each([
    ['no colon', 'homedir /x\n'],
    ['an empty name', ':/x\n'],
    ['an upper-case name', 'HOMEDIR:/x\n'],
    ['an unescaped colon', 'homedir:/a:b\n'],
    ['a bad escape', 'homedir:/a%3\n'],
    ['a non-hex escape', 'homedir:/a%zz\n'],
    ['invalid UTF-8', 'homedir:/a%ff\n'],
    ['a repeated name', 'homedir:/a\nhomedir:/b\n'],
    ['an empty line', 'homedir:/a\n\nbindir:/b\n'],
  ])('rejects %s', (_what, output) => {
    expect(() => parseGpgconfDirs(output)).toThrow(/gpgconf --list-dirs/);
  });
});

describe('listGpgDirs', () => {
  let parent = '';
  let homedir = '';

  beforeAll(async () => {
    await requireTool('gpgconf', 'gnupg');
    parent = await mkdtemp(join(tmpdir(), 'kr-dirs-'));
    // Characters gpgconf escapes (':' and '%') and a space, to check the decoding end to end.
    homedir = join(parent, 'a:b c%d');
    await mkdir(homedir, { mode: 0o700 });
  });

  afterAll(async () => {
    if (parent !== '') await rm(parent, { recursive: true, force: true });
  });

  it('runs gpgconf --list-dirs for a homedir and decodes its values', async () => {
    const dirs = await listGpgDirs({ homedir });
    expect(dirs['homedir']).toBe(homedir);
    // Without /run/user/$UID the sockets live in the homedir; with it, under /run/user.
    expect(dirs['agent-socket']).toMatch(/\/S\.gpg-agent$/);
    expect(dirs['socketdir']).toBeDefined();
    expect(dirs['bindir']).toMatch(/^\//);
  });

  it('rejects with signal.reason when aborted', async () => {
    const reason = new Error('stop');
    await expect(listGpgDirs({ homedir, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const listing = listGpgDirs({ homedir, signal: controller.signal });
    controller.abort(reason);
    await expect(listing).rejects.toBe(reason);
  });

  it('names the missing executable', async () => {
    await expect(listGpgDirs({ gpgconf: '/nonexistent/gpgconf' })).rejects.toThrow(
      /\/nonexistent\/gpgconf not found: install GnuPG/,
    );
  });
});
