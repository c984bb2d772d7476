// apiserver_request_total and apiserver_request_duration_seconds (apiserver/chain/instrumentation.ts): the
// group/version/resource/subresource labels name only the resources the server serves, so requests for
// invented paths (404s) cannot add label values. Requests are driven through the middleware directly.
import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { Registry } from 'prom-client';
import { instrumentation, requestMetrics } from '../../apiserver/chain/instrumentation.js';
import { silentLogger } from '../../storage/logger.js';

const served = [
  { group: 'tenancy.kiosk.sh', version: 'v1alpha1', resource: 'spaces' },
  { group: 'tenancy.kiosk.sh', version: 'v1alpha1', resource: 'accounts' },
];

describe('request metrics', () => {
  let registry: Registry;
  let handle: (req: Request, res: Response, next: NextFunction) => void;
  beforeEach(() => {
    registry = new Registry();
    handle = instrumentation(silentLogger, requestMetrics(registry), served);
  });

  /** One request through the middleware, answered with `code` and closed. */
  const serve = (method: string, url: string, code: number, requestHeaders: Record<string, string> = {}) => {
    const [path] = url.split('?');
    const req = { method, url, originalUrl: url, path, headers: requestHeaders } as unknown as Request;
    const headers = new Map<string, string>();
    const res = Object.assign(new EventEmitter(), { statusCode: code, setHeader: (k: string, v: string) => headers.set(k.toLowerCase(), v) }) as unknown as Response;
    handle(req, res, () => undefined);
    res.emit('close');
    return headers;
  };

  it('gives a direct request an Audit-Id of its own and leaves a forwarded one to kube-apiserver', () => {
    expect(serve('GET', '/readyz', 200).get('audit-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(serve('GET', '/readyz', 200, { 'audit-id': 'from-the-aggregator' }).has('audit-id')).toBe(false);
  });

  /** The distinct values each label takes in apiserver_request_total. */
  const labelValues = async () => {
    const metric = await registry.getSingleMetric('apiserver_request_total')!.get();
    const out: Record<string, string[]> = {};
    for (const v of metric.values) for (const [k, value] of Object.entries(v.labels)) (out[k] ??= []).push(String(value));
    return Object.fromEntries(Object.entries(out).map(([k, vs]) => [k, [...new Set(vs)].sort()]));
  };
  const series = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.length;

  it('labels requests for served resources with their group, version, resource and scope', async () => {
    serve('GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces', 200);
    serve('GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces/team-a', 200);
    serve('GET', '/apis/tenancy.kiosk.sh/v1alpha1/accounts?watch=true', 200);
    serve('POST', '/apis/tenancy.kiosk.sh/v1alpha1/spaces', 201);
    expect(await labelValues()).toEqual({
      verb: ['CREATE', 'GET', 'LIST', 'WATCH'],
      group: ['tenancy.kiosk.sh'], version: ['v1alpha1'], resource: ['accounts', 'spaces'], subresource: [''],
      scope: ['cluster', 'resource'], component: ['apiserver'], code: ['200', '201'],
    });
  });

  it('adds no label values for requests to random unknown paths', async () => {
    serve('GET', '/apis/tenancy.kiosk.sh/v1alpha1/spaces', 200);
    const before = { labels: await labelValues(), total: await series('apiserver_request_total'), duration: await series('apiserver_request_duration_seconds') };
    const random = () => Math.random().toString(36).slice(2, 10);
    for (let i = 0; i < 200; i++) {
      serve('GET', `/apis/${random()}.example.com/v${i}/${random()}`, 404); // unknown group/version/resource
      serve('GET', `/apis/tenancy.kiosk.sh/v1alpha1/${random()}/${random()}`, 404); // unknown resource in our group
      serve('GET', `/apis/tenancy.kiosk.sh/v1alpha1/spaces/${random()}/${random()}`, 404); // a subresource not served
      serve('GET', `/apis/tenancy.kiosk.sh/${random()}/spaces`, 404); // a version not served
      serve('GET', `/apis/tenancy.kiosk.sh/v1alpha1/namespaces/${random()}/${random()}`, 404);
      serve('GET', `/${random()}/${random()}`, 404); // not an API path at all
    }
    const after = await labelValues();
    // Only the empty value joins the four labels (and 404 the codes); the verbs and scopes are fixed sets.
    expect(after).toEqual({
      ...before.labels,
      group: ['', 'tenancy.kiosk.sh'], version: ['', 'v1alpha1'], resource: ['', 'spaces'], subresource: [''],
      verb: ['GET', 'LIST'], scope: ['', 'cluster', 'namespace', 'resource'], code: ['200', '404'],
    });
    // 1200 requests for invented paths made at most a handful of series.
    expect(await series('apiserver_request_total') - before.total).toBeLessThanOrEqual(6);
    expect(await series('apiserver_request_duration_seconds') - before.duration).toBeLessThanOrEqual(6 * 30);
  });

  it('labels non-resource paths with the HTTP method and nothing else', async () => {
    serve('GET', '/healthz', 200);
    serve('GET', '/apis/tenancy.kiosk.sh/v1alpha1', 200);
    serve('POST', '/admission/accountquota', 200);
    expect(await labelValues()).toEqual({
      verb: ['GET', 'POST'], group: [''], version: [''], resource: [''], subresource: [''], scope: [''], component: ['apiserver'], code: ['200'],
    });
  });
});
