import { describe, expect, it } from 'vitest';
import { redactArgs, run, runBinary } from './exec.js';

describe('redactArgs', () => {
  it('hides the value after a secret flag and in --flag=value form', () => {
    expect(
      redactArgs([
        '--login',
        '--pin',
        '1234',
        '--so-pin=87654321',
        '--passphrase',
        'pw',
        '--id',
        '01',
      ]),
    ).toEqual(['--login', '--pin', '***', '--so-pin=***', '--passphrase', '***', '--id', '01']);
  });
});

describe('run', () => {
  it('passes input and explicit environment to the child and returns its output', async () => {
    const result = await run('sh', ['-c', 'printf "%s|%s" "$KR_VALUE" "$(cat)"'], {
      env: { KR_VALUE: 'from-env' },
      input: 'from-stdin',
    });
    expect(result.stdout).toBe('from-env|from-stdin');
    expect(process.env['KR_VALUE']).toBeUndefined();
  });

  it('returns binary stdout byte for byte', async () => {
    const { stdout } = await runBinary('printf', ['\\000\\377\\n']);
    expect([...stdout]).toEqual([0x00, 0xff, 0x0a]);
  });

  it('fails with exit code and stderr, never with the secret argument', async () => {
    const failing = run('sh', ['-c', 'echo "went wrong" >&2; exit 3', 'sh', '--pin', '9876']);
    await expect(failing).rejects.toThrow(/exited with code 3:\nwent wrong/);
    await expect(failing).rejects.toThrow(/--pin \*\*\*/);
    await expect(failing).rejects.not.toThrow(/9876/);
  });

  it('rejects with the abort reason and stops the child', async () => {
    const reason = new Error('kr: stop');
    const controller = new AbortController();
    const started = Date.now();
    const running = run('sleep', ['30'], { signal: controller.signal });
    setTimeout(() => {
      controller.abort(reason);
    }, 50);
    await expect(running).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
