// kiosk_admission_decisions_total and kiosk_admission_decision_duration_seconds, counted by the
// AdmissionReview transport (apiserver/admission/webhook.ts) served over loopback HTTP with the body
// reader and error handler of the real chain.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Registry } from 'prom-client';
import { admissionMetrics, admissionRouter } from '../../apiserver/admission/webhook.js';
import { readBody } from '../../apiserver/chain/body.js';
import { errorHandler, notFoundHandler } from '../../apiserver/chain/errors.js';
import type { AdmissionHandler, AdmissionRequest } from '../../registry/admission.js';
import { forbidden } from '../../storage/apimachinery/errors.js';
import { silentLogger } from '../../storage/logger.js';

const request = (operation: string, name: string): AdmissionRequest => ({
  uid: `uid-${name}`,
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods' },
  namespace: 'team-a',
  name,
  operation: operation as AdmissionRequest['operation'],
  userInfo: { username: 'alice' },
});

describe('admission decision metrics', () => {
  let server: Server;
  let base: string;
  let registry: Registry;
  const hooks: Record<string, AdmissionHandler> = {
    accountquota: async (r) => (r.name?.startsWith('deny')
      ? { allowed: false, error: forbidden({ group: '', resource: 'pods' }, r.name, 'exceeded quota') }
      : { allowed: true }),
    'validate-accountquota': async (r) => {
      if (r.name === 'boom') throw new Error('cannot decide');
      return { allowed: true };
    },
  };

  beforeEach(async () => {
    registry = new Registry();
    const app = express();
    app.use(readBody());
    app.use(admissionRouter(hooks, silentLogger, admissionMetrics(registry, Object.keys(hooks))));
    app.use(notFoundHandler());
    app.use(errorHandler(silentLogger));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const review = async (hook: string, body: unknown) => {
    const res = await fetch(`${base}/admission/${hook}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { code: res.status, body: await res.json() as { response?: { allowed?: boolean } } };
  };
  const admit = (hook: string, operation: string, name: string) => review(hook, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: request(operation, name) });

  /** The decision counter's series, as "webhook operation allowed" -> value. */
  const decisions = async () => {
    const metric = await registry.getSingleMetric('kiosk_admission_decisions_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [`${String(v.labels.webhook)} ${String(v.labels.operation)} ${String(v.labels.allowed)}`, v.value]));
  };
  const durationCounts = async () => {
    const metric = await registry.getSingleMetric('kiosk_admission_decision_duration_seconds')!.get();
    const values = metric.values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
    return Object.fromEntries(values.filter((v) => v.metricName?.endsWith('_count')).map((v) => [String(v.labels.webhook), v.value] as const));
  };

  it('has a latency series per webhook from the start, and no decision yet', async () => {
    expect(await decisions()).toEqual({});
    expect(await durationCounts()).toEqual({ accountquota: 0, 'validate-accountquota': 0 });
  });

  it('counts allowed and denied reviews by webhook and operation, and times each', async () => {
    expect((await admit('accountquota', 'CREATE', 'ok-1')).body.response?.allowed).toBe(true);
    expect((await admit('accountquota', 'CREATE', 'ok-2')).body.response?.allowed).toBe(true);
    expect((await admit('accountquota', 'CREATE', 'deny-1')).body.response?.allowed).toBe(false);
    expect((await admit('accountquota', 'UPDATE', 'deny-2')).body.response?.allowed).toBe(false);
    expect((await admit('validate-accountquota', 'UPDATE', 'ok-3')).body.response?.allowed).toBe(true);
    expect(await decisions()).toEqual({
      'accountquota CREATE true': 2,
      'accountquota CREATE false': 1,
      'accountquota UPDATE false': 1,
      'validate-accountquota UPDATE true': 1,
    });
    expect(await durationCounts()).toEqual({ accountquota: 4, 'validate-accountquota': 1 });
  });

  it('counts a hook that threw as a denial', async () => {
    const { code, body } = await admit('validate-accountquota', 'CREATE', 'boom');
    expect(code).toBe(200);
    expect(body.response?.allowed).toBe(false);
    expect(await decisions()).toEqual({ 'validate-accountquota CREATE false': 1 });
  });

  it('bounds its labels: unknown hooks and malformed reviews are no decision, unknown operations are empty', async () => {
    expect((await admit('random-hook', 'CREATE', 'x')).code).toBe(404);
    expect((await admit('constructor', 'CREATE', 'x')).code).toBe(404); // not an own property of the hooks
    expect((await review('accountquota', { kind: 'NotAReview' })).code).toBe(400);
    await admit('accountquota', 'FROBNICATE', 'ok');
    expect(await decisions()).toEqual({ 'accountquota  true': 1 });
    expect(Object.keys(await durationCounts()).sort()).toEqual(['accountquota', 'validate-accountquota']);
  });
});
