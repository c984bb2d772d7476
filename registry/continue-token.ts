import { badRequest, expired } from '../storage/apimachinery/errors.js';

/** The position a paged list resumes from, in apimachinery's continue-token shape. */
export interface ContinueToken {
  /** The resourceVersion of the first page; every page reports it. */
  rv: number;
  /** Resume with the first name after this one. */
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

/** kube-apiserver's 410 for a continue token from before the retained history. */
export const CONTINUE_TOO_OLD = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

/** Decodes a token; malformed is 400, one from before the retained history is 410 Expired as upstream. */
export function decodeContinue(text: string, oldestResumable: number): ContinueToken {
  let parsed: { v?: string; rv?: unknown; start?: unknown } | null;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data or invalid JSON');
  }
  // Any JSON decodes, `null` and `5` too: only an object of the right shape is a token.
  // The resourceVersion is an int64 above 0 (a fraction, 1e400 or a negative one does not decode upstream).
  if (typeof parsed !== 'object' || parsed === null || parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number'
    || !Number.isSafeInteger(parsed.rv) || parsed.rv <= 0 || typeof parsed.start !== 'string') {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (parsed.rv < oldestResumable) {
    throw expired(CONTINUE_TOO_OLD);
  }
  return { rv: parsed.rv, start: parsed.start };
}
