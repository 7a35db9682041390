// Assertions on Status errors thrown by the store and registry.
import type { Test } from 'tap';
import { StatusError, type StatusObject } from '../../store/status-error.js';

type Expected = Partial<Omit<StatusObject, 'details'>> & { details?: Record<string, unknown> };

/** Asserts that fn (sync or async) throws a StatusError whose Status matches expected. */
export async function throwsStatus(t: Test, fn: Promise<unknown> | (() => unknown), expected: Expected, message = 'throws the expected Status'): Promise<void> {
  try {
    await (typeof fn === 'function' ? fn() : fn);
  } catch (err) {
    if (!(err instanceof StatusError)) {
      t.fail(`${message}: threw ${String(err)}`);
      return;
    }
    t.match(err.status, expected, message);
    return;
  }
  t.fail(`${message}: nothing was thrown`);
}
