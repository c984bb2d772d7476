import { RenderError } from '../../registry/template/render.js';

/** The RenderError `fn` throws (any other error is rethrown). */
export function renderError(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error('expected a RenderError');
}

/** The RenderError `promise` rejects with (any other error is rethrown). */
export async function rejection(promise: Promise<unknown>): Promise<RenderError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error('expected a RenderError');
}
