// The Grafana dashboard (manifests/grafana/kiosk-dashboard.json) and the metric tables of docs/operations.md
// against the metrics the server really registers (test/support/server-metrics.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '../../apiserver/options.js';
import { repoRoot } from '../cluster/paths.js';
import { metricNames } from '../support/promql.js';
import type { MetricInfo } from '../support/server-metrics.js';
import { defaultMetricNames, metricInfo, registeredMetricOf as registeredIn, serverRegistry } from '../support/server-metrics.js';

/** prom-client's default metrics that exist only on Linux (read from /proc). */
const LINUX_ONLY = new Set(['process_virtual_memory_bytes', 'process_heap_bytes', 'process_open_fds', 'process_max_fds']);

const root = repoRoot();
const registered = metricInfo(serverRegistry());
const defaults = defaultMetricNames();
const own = [...registered.keys()].filter((n) => !defaults.has(n)).sort();
const registeredMetricOf = (series: string) => registeredIn(registered, series);

// ---- the dashboard ----------------------------------------------------------------------------------

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}
interface Dashboard {
  title?: string;
  uid?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: Array<{ name?: string; type?: string; query?: unknown; definition?: string }> };
}

const dashboardPath = join(root, 'manifests', 'grafana', 'kiosk-dashboard.json');
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard;
const allPanels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = allPanels.filter((p) => p.type !== 'row' && p.type !== 'text');
const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? `#${String(p.id)}`, expr: t.expr ?? '' })));
const variableQueries = (dashboard.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => {
  const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query ?? '';
  // label_values(<selector>, <label>): the selector is a series selector.
  const m = /^label_values\((.*),\s*\w+\)$/.exec(q.trim());
  return { variable: v.name ?? '', selector: m ? m[1]! : q };
});

describe('the Grafana dashboard', () => {
  it('is a dashboard: title, uid, schemaVersion 39, panels with unique ids, a position and queries', () => {
    expect(typeof dashboard.title).toBe('string');
    expect(dashboard.title).not.toBe('');
    expect(typeof dashboard.uid).toBe('string');
    expect(dashboard.schemaVersion).toBe(39);
    expect(queryPanels.length).toBeGreaterThan(10);
    const ids = allPanels.map((p) => p.id);
    for (const id of ids) expect(Number.isInteger(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of allPanels) {
      expect({ title: p.title, hasType: typeof p.type === 'string' && p.type !== '' }).toEqual({ title: p.title, hasType: true });
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest types its asymmetric matchers as any
      expect(p.gridPos).toEqual({ h: expect.any(Number), w: expect.any(Number), x: expect.any(Number), y: expect.any(Number) });
      expect(p.gridPos!.x + p.gridPos!.w).toBeLessThanOrEqual(24);
    }
    for (const p of queryPanels) {
      expect({ panel: p.title, targets: (p.targets ?? []).length > 0 }).toEqual({ panel: p.title, targets: true });
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of p.targets!) expect({ panel: p.title, expr: (t.expr ?? '').trim() !== '' }).toEqual({ panel: p.title, expr: true });
    }
  });

  it('queries Prometheus through the ${datasource} variable', () => {
    const ds = (dashboard.templating?.list ?? []).find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of queryPanels) {
      expect({ panel: p.title, ds: p.datasource }).toEqual({ panel: p.title, ds: { type: 'prometheus', uid: '${datasource}' } });
      for (const t of p.targets!) expect({ panel: p.title, ds: t.datasource ?? p.datasource }).toEqual({ panel: p.title, ds: { type: 'prometheus', uid: '${datasource}' } });
    }
  });

  it('uses only metrics the server registers (histograms through _bucket, _sum, _count)', () => {
    const unknown: string[] = [];
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      if (names.length === 0) unknown.push(`${panel}: no metric in ${expr}`);
      for (const n of names) if (!registeredMetricOf(n)) unknown.push(`${panel}: ${n}`);
    }
    for (const { variable, selector } of variableQueries) {
      for (const n of metricNames(selector)) if (!registeredMetricOf(n)) unknown.push(`variable ${variable}: ${n}`);
    }
    expect(unknown).toEqual([]);
  });

  it('selects this server\'s job in every query (kube-apiserver has metrics of the same names)', () => {
    for (const { panel, expr } of exprs) {
      const selectors = expr.match(/\{[^}]*\}/g) ?? [];
      expect({ panel, expr, ok: selectors.length > 0 && selectors.every((s) => s.includes('job=~"$job"')) }).toEqual({ panel, expr, ok: true });
    }
  });

  it('shows every metric of the server\'s own (not prom-client\'s defaults)', () => {
    const used = new Set(exprs.flatMap(({ expr }) => metricNames(expr)).map((n) => registeredMetricOf(n)));
    expect(own.filter((n) => !used.has(n))).toEqual([]);
  });
});

describe('the metric extraction itself', () => {
  it('finds metric names and skips functions, labels, variables and numbers', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, verb) (rate(apiserver_request_duration_seconds_bucket{job=~"$job", verb!="WATCH"}[$__rate_interval])))'))
      .toEqual(['apiserver_request_duration_seconds_bucket']);
    expect(metricNames('(sum(rate(a_total{code=~"5.."}[5m])) or vector(0)) / sum(rate(a_total[5m])) * 1e3')).toEqual(['a_total', 'a_total']);
    expect(metricNames('min(time() - process_start_time_seconds)')).toEqual(['process_start_time_seconds']);
    expect(() => metricNames('histogram_quantil(0.9, x_bucket)')).toThrow('unknown PromQL function');
  });

  it('accepts histogram series only for histograms', () => {
    expect(registeredMetricOf('apiserver_request_duration_seconds_bucket')).toBe('apiserver_request_duration_seconds');
    expect(registeredMetricOf('nodejs_gc_duration_seconds_sum')).toBe('nodejs_gc_duration_seconds');
    expect(registeredMetricOf('kiosk_informer_objects_count')).toBeUndefined();
    expect(registeredMetricOf('apiserver_request_total_sum')).toBeUndefined();
  });
});

// ---- docs/operations.md ----------------------------------------------------------------------------

/** The rows of the metric tables in the "Metrics" section: | `name` | type | `label`, ... | meaning |. */
function documentedMetrics(): Map<string, MetricInfo> {
  const doc = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Metrics'), doc.indexOf('\n## Example queries'));
  const out = new Map<string, MetricInfo>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // ['', '`name`', 'type', 'labels', 'meaning', '']
    const name = /^`([a-z_:][a-z0-9_:]*)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    if (out.has(name)) throw new Error(`${name} is documented twice`);
    out.set(name, { type: cells[2] ?? '', labels: [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!).sort() });
  }
  return out;
}

describe('docs/operations.md', () => {
  const documented = documentedMetrics();

  it('documents every registered metric with its type and labels', () => {
    const missing = [...registered].filter(([name]) => !documented.has(name)).map(([name]) => name);
    expect(missing).toEqual([]);
    for (const [name, info] of registered) expect({ name, ...documented.get(name) }).toEqual({ name, ...info });
  });

  it('documents no metric the server does not register', () => {
    const extra = [...documented.keys()].filter((n) => !registered.has(n) && !(process.platform !== 'linux' && LINUX_ONLY.has(n)));
    expect(extra).toEqual([]);
  });

  it('uses only registered metrics in its example queries', () => {
    const doc = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    const queries = [...doc.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(queries.length).toBeGreaterThan(5);
    const names = queries.flatMap((q) => metricNames(q));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !registeredMetricOf(n))).toEqual([]);
  });

  it('names the server\'s own metrics in the request, watch, access index, informer, controller and health tables', () => {
    expect(own).toEqual([
      'apiserver_longrunning_requests', 'apiserver_request_duration_seconds', 'apiserver_request_total',
      'kiosk_access_index_commits_total', 'kiosk_access_index_objects', 'kiosk_access_index_resource_version', 'kiosk_access_index_views_total',
      'kiosk_accountquota_reservation_visible_seconds', 'kiosk_admission_decision_duration_seconds', 'kiosk_admission_decisions_total',
      'kiosk_events_queue_depth', 'kiosk_events_total', 'kiosk_informer_current', 'kiosk_informer_errors_total', 'kiosk_informer_objects',
      'kiosk_informer_relists_total', 'kiosk_informer_synced', 'kiosk_serving_certificate_expiration_timestamp_seconds',
      'kubernetes_healthcheck', 'leader_election_master_status',
      'workqueue_adds_total', 'workqueue_depth', 'workqueue_longest_running_processor_seconds', 'workqueue_queue_duration_seconds',
      'workqueue_retries_total', 'workqueue_unfinished_work_seconds', 'workqueue_work_duration_seconds',
    ]);
  });

  it('follows Kubernetes\' metric conventions for the server\'s own metrics', () => {
    const offenders: string[] = [];
    for (const name of own) {
      const { type, labels } = registered.get(name)!;
      if ((type === 'counter') !== name.endsWith('_total')) offenders.push(`${name}: a ${type} ${type === 'counter' ? 'must' : 'must not'} end in _total`);
      if (type === 'histogram' && !name.endsWith('_seconds')) offenders.push(`${name}: a histogram of durations in seconds`);
      if (!/^(apiserver|kiosk|workqueue|leader_election)_|^kubernetes_healthcheck$/.test(name)) offenders.push(`${name}: upstream names or the kiosk_ prefix`);
      for (const l of labels) if (['user', 'username', 'namespace', 'uid'].includes(l)) offenders.push(`${name}: per-user or per-namespace label ${l}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('the registry without a cluster', () => {
  it('collects: the gauges read the index, the informers and the open watches', async () => {
    const text = await serverRegistry().metrics();
    for (const resource of ['namespaces', 'accounts', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']) {
      expect(text).toContain(`kiosk_informer_synced{resource="${resource}"} 0`);
      expect(text).toContain(`kiosk_informer_current{resource="${resource}"} 0`);
    }
    for (const kind of ['namespaces', 'accounts', 'bindings', 'namespaceGrants', 'accountGrants', 'history']) {
      expect(text).toContain(`kiosk_access_index_objects{kind="${kind}"} 0`);
    }
    expect(text).toContain('apiserver_longrunning_requests{verb="WATCH",component="apiserver"} 0');
    expect(text).toContain('kiosk_access_index_resource_version 0');
    for (const result of ['recorded', 'created', 'patched', 'dropped', 'failed']) expect(text).toContain(`kiosk_events_total{result="${result}"} 0`);
    expect(text).toContain('kiosk_events_queue_depth 0');
    for (const resource of ['namespaces', 'accounts', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']) {
      expect(text).toContain(`kiosk_informer_relists_total{resource="${resource}"} 0`);
      expect(text).toContain(`kiosk_informer_errors_total{resource="${resource}"} 0`);
    }
    expect(text).toContain('kiosk_access_index_commits_total{kind="object"} 0');
    expect(text).toContain('kiosk_access_index_views_total{result="hit"} 0');
    // Nothing started: not ready until the informers sync and the request-header configuration is read.
    for (const [name, value] of [['ping', 1], ['request-header-authentication', 0], ['informers-synced', 0], ['shutdown', 1]] as const) {
      expect(text).toContain(`kubernetes_healthcheck{name="${name}",type="readyz"} ${String(value)}\n`);
    }
    expect(text).toContain('kubernetes_healthcheck{name="ping",type="livez"} 1\n');
  });

  it('collects: every controller queue, the leader gauge and each webhook\'s latency have series from the start', async () => {
    const text = await serverRegistry().metrics();
    for (const name of ['account', 'accountquota', 'templateinstance']) {
      for (const series of ['workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total', 'workqueue_unfinished_work_seconds',
        'workqueue_longest_running_processor_seconds', 'workqueue_work_duration_seconds_count', 'workqueue_queue_duration_seconds_count']) {
        expect(text).toContain(`${series}{name="${name}"} 0\n`);
      }
    }
    expect(text).toContain('leader_election_master_status{name="kiosk-controllers"} 0\n');
    for (const webhook of ['accountquota', 'validate-accountquota']) {
      expect(text).toContain(`kiosk_admission_decision_duration_seconds_count{webhook="${webhook}"} 0\n`);
    }
  });
});

describe('the controllers of the graph', () => {
  it('with --self-fencing-network-policy, the NetworkPolicy fence reports its queue too', async () => {
    const text = await serverRegistry({ ...defaultOptions, selfFencingNetworkPolicy: 'kiosk-fence' }).metrics();
    for (const name of ['account', 'accountquota', 'templateinstance', 'networkpolicyfence']) {
      expect(text).toContain(`workqueue_depth{name="${name}"} 0\n`);
    }
    expect(await serverRegistry().metrics()).not.toContain('name="networkpolicyfence"');
  });
});
