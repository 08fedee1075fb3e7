import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runWithDeadline, type CallDeadline } from './deadline.js';

const timeout = (): Error => new Error('too slow');

describe('runWithDeadline', () => {
  it('passes the work result through and makes no signal unless asked', async () => {
    let seen: CallDeadline | undefined;
    const value = await runWithDeadline(undefined, 1_000, timeout, (deadline) => {
      seen = deadline;
      return Promise.resolve(42);
    });
    expect(value).toBe(42);
    expect(seen?.stopped).toBe(false);
  });

  it('rejects with the timeout error at the limit, aborts the signal and runs stop hooks', async () => {
    const hooks: unknown[] = [];
    let signal: AbortSignal | undefined;
    const call = runWithDeadline(undefined, 20, timeout, (deadline) => {
      signal = deadline.signal;
      deadline.onStop((reason) => hooks.push(reason));
      return sleep(200).then(() => 'late');
    });
    await expect(call).rejects.toThrow('too slow');
    expect(signal?.aborted).toBe(true);
    expect(hooks).toHaveLength(1);
  });

  it("rejects with the caller's reason on abort; a signal made after the stop is aborted", async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    let deadline: CallDeadline | undefined;
    const call = runWithDeadline(controller.signal, 1_000, timeout, (given) => {
      deadline = given;
      return sleep(100).then(() => 'late');
    });
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(deadline?.stopped).toBe(true);
    expect(deadline?.reason).toBe(reason);
    expect(deadline?.signal.aborted).toBe(true);
    expect(deadline?.signal.reason).toBe(reason);
  });

  it('an already aborted signal throws its reason before any work', () => {
    const controller = new AbortController();
    controller.abort(new Error('before'));
    let ran = false;
    expect(() =>
      runWithDeadline(controller.signal, 1_000, timeout, () => {
        ran = true;
        return Promise.resolve(1);
      }),
    ).toThrow('before');
    expect(ran).toBe(false);
  });

  it('a work failure passes through unchanged', async () => {
    const failure = new TypeError('bad');
    await expect(
      runWithDeadline(undefined, 1_000, timeout, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
  });
});
