// The PrometheusRule (manifests/prometheus-rule/; the chart renders the same, see install-manifests.test.ts)
// against the metrics the server really registers: an alert on a metric that does not exist, or on a label
// it does not have, never fires, and nothing says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { repoRoot } from '../cluster/paths.js';
import { groupingLabels, metricNames, selectorLabels } from '../support/promql.js';
import { metricInfo, registeredMetricOf, serverRegistry } from '../support/server-metrics.js';

interface Rule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}
interface PrometheusRule {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { groups?: Array<{ name?: string; rules?: Rule[] }> };
}

const root = repoRoot();
const registered = metricInfo(serverRegistry());

/**
 * The metrics the alerts read that are not ours, with their labels: Prometheus' own `up` (the scrape of each
 * target) and kube-apiserver's `aggregator_unavailable_apiservice` (what the aggregator sees when it dials us).
 */
const FOREIGN: ReadonlyMap<string, string[]> = new Map([
  ['up', []],
  ['aggregator_unavailable_apiservice', ['name']],
]);
/** Labels Prometheus adds to every series it scrapes (the target's), so any selector may use them. */
const TARGET_LABELS = ['job', 'instance'];

const rulePath = join(root, 'manifests', 'prometheus-rule', 'prometheus-rule.yaml');
const rule = load(readFileSync(rulePath, 'utf8')) as PrometheusRule;
const groups = rule.spec?.groups ?? [];
const alerts = groups.flatMap((g) => (g.rules ?? []).map((r) => ({ group: g.name, ...r })));
const exprOf = (r: Rule) => (typeof r.expr === 'string' ? r.expr : '');

/** The labels a metric's series carry: its own (registered, histogram series included, or foreign) and the target's. */
function labelsOf(series: string): string[] | undefined {
  const metric = registeredMetricOf(registered, series);
  if (metric) return [...registered.get(metric)!.labels, ...(series.endsWith('_bucket') ? ['le'] : []), ...TARGET_LABELS];
  const foreign = FOREIGN.get(series);
  return foreign ? [...foreign, ...TARGET_LABELS] : undefined;
}

describe('the PrometheusRule', () => {
  it('is valid YAML of kind PrometheusRule, named in the server\'s namespace, with groups of alerts', () => {
    expect(rule).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'kiosk', namespace: 'kiosk-system', labels: { 'app.kubernetes.io/name': 'kiosk' } } });
    expect(groups.length).toBeGreaterThan(0);
    const groupNames = groups.map((g) => g.name);
    expect(new Set(groupNames).size).toBe(groupNames.length);
    for (const g of groups) expect({ group: g.name, rules: (g.rules ?? []).length > 0 }).toEqual({ group: g.name, rules: true });
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const a of alerts) {
      expect({ alert: a.alert, named: typeof a.alert === 'string' && /^Kiosk[A-Za-z]+$/.test(a.alert), record: a.record }).toEqual({ alert: a.alert, named: true, record: undefined });
      expect({ alert: a.alert, for: typeof a.for === 'string' && /^\d+[smh]$/.test(a.for) }).toEqual({ alert: a.alert, for: true });
    }
  });

  it('has the alerts issue 13 asks for: down or not ready, APIService, denials, informers, leader, certificate', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'KioskAPIServiceUnavailable', 'KioskAdmissionDenialsSpiking', 'KioskInformerNotCurrent', 'KioskInformerNotSynced',
      'KioskLeaderMissing', 'KioskReplicaDown', 'KioskServerDown', 'KioskServerNotReady', 'KioskServingCertificateExpiring',
      'KioskServingCertificateExpiringSoon',
    ]);
  });

  it('gives every alert a severity, a summary, a description that says what to check, and the runbook', () => {
    for (const a of alerts) {
      const description = a.annotations?.description;
      expect({
        alert: a.alert,
        severity: a.labels?.severity,
        summary: typeof a.annotations?.summary === 'string' && a.annotations.summary.length > 10,
        description: typeof description === 'string' && description.length > 100 && /\b(Check|check|Fix|look)\b/.test(description),
        runbook: a.annotations?.runbook_url,
      }).toEqual({
        alert: a.alert,
        severity: expect.stringMatching(/^(critical|warning)$/) as unknown,
        summary: true,
        description: true,
        runbook: 'https://github.com/kiosk-next/kiosk-next/blob/main/docs/operations.md#alerts',
      });
    }
  });

  it('reads only metrics the server registers, or the foreign ones listed here', () => {
    const unknown: string[] = [];
    for (const a of alerts) {
      const names = metricNames(exprOf(a));
      if (names.length === 0) unknown.push(`${String(a.alert)}: no metric in ${exprOf(a)}`);
      for (const n of names) if (!labelsOf(n)) unknown.push(`${String(a.alert)}: ${n}`);
    }
    expect(unknown).toEqual([]);
    // Each foreign metric is really used (the list is not a place to hide a typo).
    const used = new Set(alerts.flatMap((a) => metricNames(exprOf(a))));
    expect([...FOREIGN.keys()].filter((n) => !used.has(n))).toEqual([]);
  });

  it('selects and groups only by labels those metrics have', () => {
    const wrong: string[] = [];
    for (const a of alerts) {
      const expr = exprOf(a);
      const selectors = selectorLabels(expr);
      for (const { metric, labels } of selectors) {
        for (const l of labels) if (!(labelsOf(metric) ?? []).includes(l)) wrong.push(`${String(a.alert)}: ${metric}{${l}}`);
      }
      const available = new Set(metricNames(expr).flatMap((n) => labelsOf(n) ?? []));
      for (const l of groupingLabels(expr)) if (!available.has(l)) wrong.push(`${String(a.alert)}: by (${l})`);
    }
    expect(wrong).toEqual([]);
  });

  it('selects this server\'s job in every selector of its own metrics (kube-apiserver has metrics of the same names)', () => {
    for (const a of alerts) {
      for (const { metric, labels } of selectorLabels(exprOf(a))) {
        if (metric === 'aggregator_unavailable_apiservice') continue; // kube-apiserver's, selected by APIService name
        expect({ alert: a.alert, metric, job: labels.includes('job') }).toEqual({ alert: a.alert, metric, job: true });
      }
      expect({ alert: a.alert, job: exprOf(a).match(/job="[^"]*"/g)?.every((j) => j === 'job="kiosk-apiservice"') ?? true })
        .toEqual({ alert: a.alert, job: true });
    }
  });

  it('uses only the label names the alert\'s own result carries in its annotations', () => {
    for (const a of alerts) {
      const expr = exprOf(a);
      const grouped = groupingLabels(expr);
      // An aggregation keeps only its by() labels; a plain selector keeps all of its metric's.
      const carried = /\b(sum|max|min|avg|count)\b/.test(expr) ? grouped : metricNames(expr).flatMap((n) => labelsOf(n) ?? []);
      const text = Object.values(a.annotations ?? {}).join(' ');
      for (const m of text.matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        expect({ alert: a.alert, label: m[1], carried: carried.includes(m[1]!) }).toEqual({ alert: a.alert, label: m[1], carried: true });
      }
    }
  });
});

describe('docs/operations.md', () => {
  it('documents every alert, with its severity, in the Alerts section', () => {
    const doc = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    const start = doc.indexOf('\n## Alerts');
    expect(start).toBeGreaterThan(0);
    const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
    const rows = new Map([...section.matchAll(/^\| `(Kiosk\w+)` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(alerts.map((a) => [a.alert, a.labels?.severity])));
  });
});

describe('the PromQL helpers themselves', () => {
  it('find selectors\' labels and grouping labels, ignoring label values', () => {
    expect(selectorLabels('sum by (webhook) (rate(x_total{job="k", allowed!="{a,b}"}[5m])) / up{instance=~"i"}'))
      .toEqual([{ metric: 'x_total', labels: ['job', 'allowed'] }, { metric: 'up', labels: ['instance'] }]);
    expect(groupingLabels('sum by (a, b) (x) * on (job) group_left (c) y and ignoring(d) z{e="by (f)"}')).toEqual(['a', 'b', 'job', 'c', 'd']);
  });
});
