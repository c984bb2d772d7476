import type { Request, Response, Router } from 'express';
import express from 'express';

/** A named check; it must answer quickly and never throw for a healthy server. */
export interface HealthCheck {
  name: string;
  check(): boolean;
}

/**
 * genericapiserver's health endpoints: `ok` as text/plain, `?verbose` lists each check, `?exclude=<name>`
 * skips one, a failure is a 500 with the per-check list. /readyz also fails while the server drains.
 */
function healthHandler(endpoint: string, checks: () => HealthCheck[]) {
  return (req: Request, res: Response) => {
    const exclude = new Set(([] as string[]).concat((req.query.exclude as string | string[] | undefined) ?? []));
    const results = checks().filter((c) => !exclude.has(c.name)).map((c) => ({ name: c.name, ok: passes(c) }));
    const failed = results.some((r) => !r.ok);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache, private');
    if (!failed && req.query.verbose === undefined) return void res.status(200).send('ok');
    const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
    for (const name of exclude) lines.push(`[+]${name} excluded: ok`);
    lines.push(failed ? `${endpoint} check failed` : `${endpoint} check passed`);
    res.status(failed ? 500 : 200).send(lines.join('\n') + '\n');
  };
}

/** The check's result; a check that throws fails (the endpoints and kubernetes_healthcheck agree on it). */
export function passes(c: HealthCheck): boolean {
  try {
    return c.check();
  } catch {
    return false;
  }
}

export function healthRouter(live: () => HealthCheck[], ready: () => HealthCheck[]): Router {
  const router = express.Router();
  router.get(['/healthz', '/livez'], (req, res) => healthHandler(req.path.slice(1), live)(req, res));
  router.get('/readyz', healthHandler('readyz', () => [...live(), ...ready()]));
  return router;
}
