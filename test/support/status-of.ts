import { StatusError } from '../../storage/apimachinery/errors.js';

/** The StatusError `fn` throws (fails the test when it throws nothing or something else). */
export function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

/** The StatusError `promise` rejects with (fails the test when it resolves or rejects with something else). */
export async function rejectionStatusOf(promise: Promise<unknown>): Promise<StatusError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}
