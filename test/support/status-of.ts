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
