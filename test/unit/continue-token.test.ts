// Continue tokens as apimachinery's DecodeContinue reads them: a resourceVersion that is no int64 above 0
// (a fraction, 1e400, a negative one) is not a token (400), one from before the history is 410.
import { decodeContinue, encodeContinue } from '../../registry/continue-token.js';
import { StatusError } from '../../storage/apimachinery/errors.js';

const token = (rv: unknown) => Buffer.from(`{"v":"meta.k8s.io/v1","rv":${String(rv)},"start":"a"}`).toString('base64url');

function statusOf(text: string, oldest = 0): { code: number; message: string } | undefined {
  try {
    decodeContinue(text, oldest);
    return undefined;
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    return { code: err.code, message: err.message };
  }
}

describe('decodeContinue', () => {
  it('round-trips what encodeContinue wrote', () => {
    expect(decodeContinue(encodeContinue({ rv: 42, start: 'team-a' }), 10)).toEqual({ rv: 42, start: 'team-a' });
  });

  it.each(['1e400', '1.5', '0', '-1', '9007199254740993'])('refuses a resourceVersion of %s as kube-apiserver does (400)', (rv) => {
    expect(statusOf(token(rv))).toEqual({ code: 400, message: 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)' });
  });

  it('is 410 for a token from before the history', () => {
    expect(statusOf(token(5), 10)?.code).toBe(410);
  });
});
