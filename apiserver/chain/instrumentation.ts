import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../../storage/logger.js';
import { requestInfo } from './request-info.js';

export interface RequestMetrics {
  total: Counter<string>;
  duration: Histogram<string>;
}

/** kube-apiserver's request metrics, with its names and labels (no user or namespace labels). */
export function requestMetrics(registry: Registry): RequestMetrics {
  const labelNames = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'];
  return {
    total: new Counter({
      name: 'apiserver_request_total', registers: [registry], labelNames,
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    }),
    duration: new Histogram({
      name: 'apiserver_request_duration_seconds', registers: [registry],
      labelNames: labelNames.filter((l) => l !== 'code'),
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    }),
  };
}

/**
 * One structured log line and the request metrics per request, written when the response finishes
 * (for a watch, when it closes). Keys follow kube-apiserver's httplog: verb, uri, user, code, latency.
 */
export function instrumentation(log: Logger, metrics: RequestMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const info = req.info ?? requestInfo(req.method, req.path, new URLSearchParams(req.url.split('?')[1] ?? ''));
      const verb = (info.verb === 'get' && req.method === 'HEAD' ? 'GET' : info.verb.toUpperCase());
      const labels = {
        verb: info.isResourceRequest ? verb : req.method,
        group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource,
        scope: !info.isResourceRequest ? '' : info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster',
        component: 'apiserver',
      };
      metrics.total.inc({ ...labels, code: String(res.statusCode) });
      metrics.duration.observe(labels, seconds);
      log.info('HTTP', {
        verb: req.method, uri: req.originalUrl, user: req.user?.username, resource: info.resource || undefined,
        name: info.name || undefined, code: res.statusCode, latency: `${(seconds * 1000).toFixed(3)}ms`,
        auditID: req.headers['audit-id'],
      });
    });
    next();
  };
}
