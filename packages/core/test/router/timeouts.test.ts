import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/contract/errors.js';
import { withDeadline } from '../../src/router/timeouts.js';

const options = { timeoutMs: 1_000, what: 'sign', provider: 'p' };

describe('withDeadline', () => {
  it('returns the result and leaves no listener on the caller signal', async () => {
    const caller = new AbortController();
    let added = 0;
    let removed = 0;
    const { signal } = caller;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
      added += 1;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
      removed += 1;
      remove(...args);
    };
    await expect(withDeadline(() => Promise.resolve(7), { ...options, signal })).resolves.toBe(7);
    expect(added).toBe(1);
    expect(removed).toBe(1);
  });

  it("forwards the caller's abort, with its reason, to the work's signal", async () => {
    const caller = new AbortController();
    const reason = new Error('caller gave up');
    let seen: unknown;
    const running = withDeadline(
      (signal) =>
        new Promise<never>((_, reject) => {
          signal.addEventListener('abort', () => {
            seen = signal.reason;
            reject(signal.reason as Error);
          });
        }),
      { ...options, signal: caller.signal },
    );
    caller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(seen).toBe(reason);
  });

  it('aborts the work with TIMEOUT after timeoutMs', async () => {
    let seen: unknown;
    const running = withDeadline(
      (signal) =>
        new Promise<never>(() => {
          signal.addEventListener('abort', () => {
            seen = signal.reason;
          });
        }),
      { ...options, timeoutMs: 10 },
    );
    await expect(running).rejects.toSatisfy((error: unknown) => hasErrorCode(error, 'TIMEOUT'));
    expect(hasErrorCode(seen, 'TIMEOUT')).toBe(true);
  });

  it('refuses an already aborted caller signal before starting the work', async () => {
    const caller = new AbortController();
    caller.abort(new Error('already'));
    let started = false;
    await expect(
      withDeadline(
        () => {
          started = true;
          return Promise.resolve(1);
        },
        { ...options, signal: caller.signal },
      ),
    ).rejects.toThrow('already');
    expect(started).toBe(false);
  });
});
