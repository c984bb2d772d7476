// `npm run build && node dist/test/bench/hostile-inputs.js [--runs=7] [--no-save]`: how long the event loop is
// held by each parser we own when a request carries a hostile input (3 MiB of digits as a quantity, a 3 MiB
// selector, a 3 MiB nest of brackets as a JSON or YAML body, a 10000-operation JSON patch, ...). Each row is the
// wall time of one synchronous call (input built beforehand), median and max over several runs, plus what
// the call answered. Prints a table and writes test/bench/results/hostile-inputs-<date>.json.
//
// Another input is one more row: `rows.push({ name, run: () => ... })` before `main()`, or call
// `measure(name, fn)` from a script of your own (a regex/value pair for the RE2 wrapper, say).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseQuantity } from '../../storage/apimachinery/quantity.js';
import { StatusError } from '../../storage/apimachinery/errors.js';
import { allSchemas, definitionName } from '../../registry/openapi/schemas.js';
import { OBJECT_META_FIELDS, parseFieldSelector } from '../../storage/apimachinery/field-selector.js';
import { MAX_SELECTOR_LENGTH, parseLabelSelector } from '../../storage/apimachinery/label-selector.js';
import { decodeObject } from '../../apiserver/request/decode.js';
import { MAX_JSON_ENTRIES } from '../../storage/apimachinery/go-json.js';
import { applyJsonPatch, applyMergePatch, MAX_JSON_PATCH_OPERATIONS } from '../../apiserver/request/apply-patch.js';
import { decodeJsonPatch } from '../../apiserver/request/patch.js';
import { GoRegexpWorker } from '../../storage/apimachinery/go-regexp/worker.js';
import { HOSTILE_RESULTS_PREFIX, writeBenchmarksDoc } from './docs.js';
import { machine, resultsFile } from './frozen-build.js';
import type { WorkerMeasure } from './measure-regexp.js';
import { measureOnWorker, pairs } from './measure-regexp.js';
import type { BenchResults } from './results.js';

/** One hostile input: `run` is the measured call; build the input outside it (see `once`). */
export interface HostileInput {
  name: string;
  run: () => unknown;
}

/** A saved run: test/bench/results/hostile-inputs-<date>.json, rendered into docs/benchmarks.md. */
export interface HostileResults {
  startedAt: string;
  machine: BenchResults['machine'];
  load: { before: number; after: number };
  runs: number;
  results: Measured[];
  /** Absent from runs saved before it was measured. */
  regexp?: WorkerMeasure[];
}

export interface Measured {
  name: string;
  runs: number;
  medianMs: number;
  maxMs: number;
  /** What the call answered: `returned`, `400 BadRequest`, `Error: <message start>`. */
  outcome: string;
}

const MiB3 = 3 * 1024 * 1024;

/** A value computed on first use and kept: inputs are built once, outside the measured calls. */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

function outcomeOf(err: unknown): string {
  if (err instanceof StatusError) return `${err.code} ${err.reason}`;
  const message = err instanceof Error ? err.message : String(err);
  return `${err instanceof Error ? err.name : 'thrown'}: ${message.length > 60 ? `${message.slice(0, 57)}...` : message}`;
}

/** Times `fn` `runs` times (after one unmeasured warm-up call) and reports the median and the maximum. */
export function measure(name: string, fn: () => unknown, runs = 7): Measured {
  const call = (): string => {
    try {
      fn();
      return 'returned';
    } catch (err) {
      return outcomeOf(err);
    }
  };
  call();
  const times: number[] = [];
  let outcome = '';
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    outcome = call();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { name, runs, medianMs: times[Math.floor(times.length / 2)] ?? NaN, maxMs: times[times.length - 1] ?? NaN, outcome };
}

const SPACE = { group: 'tenancy.kiosk.sh', version: 'v1alpha1', kind: 'Space' };
const spaceSchema = { schemaName: definitionName('tenancy.kiosk.sh', 'v1alpha1', 'Space'), catalogue: allSchemas(), fieldValidation: 'Warn' as const };
const decode = (contentType: string, body: () => Buffer) => () => decodeObject(body(), contentType, SPACE);

const jsonNest = once(() => Buffer.from('['.repeat(MiB3)));
const manyUnknownFields = once(() => Buffer.from('{"apiVersion":"tenancy.kiosk.sh/v1alpha1","kind":"Space","metadata":{"name":"x"},"spec":{'
  + `${Array.from({ length: 250000 }, (_, i) => `"u${i}":1`).join(',')}}}`));
const jsonObjectNest = once(() => Buffer.from('{"a":'.repeat(MiB3 / 5)));
const yamlNest = once(() => Buffer.from('['.repeat(MiB3)));
const yamlBlockNest = once(() => Buffer.from('- '.repeat(MiB3 / 2)));
const laughs = once(() => {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return Buffer.from(lines.join('\n'));
});
const digits = once(() => '1'.repeat(MiB3));
const oneAndZeros = once(() => `1${'0'.repeat(MiB3 - 1)}`);
const fraction = once(() => `0.${'1'.repeat(MiB3 - 2)}`);
const labelIdentifier = once(() => 'a'.repeat(MiB3));
const labelTerms = once(() => `${'a,'.repeat(MiB3 / 2 - 1)}ab`);
const labelAtBound = once(() => `${'a,'.repeat(MAX_SELECTOR_LENGTH / 2 - 1)}a`);
const fieldSelector = once(() => 'metadata.name=a,'.repeat(MiB3 / 16));
const space = { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name: 's', labels: {} as Record<string, string> } };
const addLabels = once(() => Buffer.from(JSON.stringify(Array.from({ length: MAX_JSON_PATCH_OPERATIONS },
  (_, i) => ({ op: 'add', path: `/metadata/labels/l${i}`, value: 'v' })))));
const insertFirst = once(() => [{ op: 'add', path: '/items', value: [] },
  ...Array.from({ length: MAX_JSON_PATCH_OPERATIONS - 1 }, () => ({ op: 'add', path: '/items/0', value: 'x' }))]);
const testRoot = once(() => {
  // 30 items keep the 10000 operations within kube-apiserver's 3 MiB request body.
  const doc = { ...space, spec: { items: Array.from({ length: 30 }, (_, i) => `item-${i}`) } };
  return { doc, ops: Array.from({ length: MAX_JSON_PATCH_OPERATIONS }, () => ({ op: 'test', path: '/spec/items', value: doc.spec.items })) };
});
const tooManyOps = once(() => Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Space' })));
const manyLabels = (count: number) => Buffer.from(JSON.stringify({ ...space, metadata: { name: 's', labels: Object.fromEntries(Array.from({ length: count }, (_, i) => [`l${i}`, 'v'])) } }));
const mergeProto = once(() => JSON.parse('{"__proto__":{"denied":true},"metadata":{"labels":{"__proto__":"x"}}}') as unknown);

/** The inputs of the issue "Hardening I", in the order its findings name them. */
export const rows: HostileInput[] = [
  { name: 'quantity: 3 MiB of digits', run: () => parseQuantity(digits()) },
  { name: 'quantity: 1 then 3 MiB of zeros', run: () => parseQuantity(oneAndZeros()) },
  { name: 'quantity: 0. then 3 MiB of digits', run: () => parseQuantity(fraction()) },
  { name: 'labelSelector: one 3 MiB identifier', run: () => parseLabelSelector(labelIdentifier()) },
  { name: 'labelSelector: 3 MiB of a,a,a,...', run: () => parseLabelSelector(labelTerms()) },
  { name: `labelSelector: ${MAX_SELECTOR_LENGTH / 1024} KiB of a,a,... (the bound)`, run: () => parseLabelSelector(labelAtBound()) },
  { name: 'fieldSelector: 3 MiB of terms', run: () => parseFieldSelector(fieldSelector(), OBJECT_META_FIELDS) },
  { name: 'JSON body: 3 MiB of [', run: decode('application/json', jsonNest) },
  { name: 'JSON body: 3 MiB of {"a":', run: decode('application/json', jsonObjectNest) },
  { name: 'JSON body: 250000 unknown fields (2.8 MB)', run: () => decodeObject(manyUnknownFields(), 'application/json', SPACE, spaceSchema) },
  { name: `JSON body: ${MAX_JSON_ENTRIES} labels (the bound)`, run: () => decodeObject(manyLabels(MAX_JSON_ENTRIES - 10), 'application/json', SPACE, spaceSchema) },
  { name: 'JSON body: 1,000,000 empty objects in a list', run: decode('application/json', () => Buffer.from(`{"a":[${Array(1_000_000).fill('{}').join(',')}]}`)) },
  { name: 'YAML body: 3 MiB of [', run: decode('application/yaml', yamlNest) },
  { name: 'YAML body: 3 MiB of "- "', run: decode('application/yaml', yamlBlockNest) },
  { name: 'YAML body: billion laughs', run: decode('application/yaml', laughs) },
  { name: 'JSON patch: 10000 label adds (decode + apply)', run: () => applyJsonPatch(space, decodeJsonPatch(addLabels(), 'Strict').patch) },
  { name: 'JSON patch: 10000 inserts at /items/0', run: () => applyJsonPatch({}, insertFirst()) },
  { name: 'JSON patch: 10000 tests of a 30-item list', run: () => applyJsonPatch(testRoot().doc, testRoot().ops) },
  { name: 'JSON patch: 10001 operations', run: () => applyJsonPatch(space, tooManyOps()) },
  { name: 'merge patch: {"__proto__":{...}}', run: () => applyMergePatch(space, mergeProto()) },
];

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const fixed = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

export function renderTable(results: Measured[]): string {
  const width = Math.max(...results.map((r) => r.name.length), 5);
  const lines = [`${pad('input', width)}  median ms   max ms  outcome`, '-'.repeat(width + 40)];
  for (const r of results) lines.push(`${pad(r.name, width)}  ${fixed(r.medianMs).padStart(9)}  ${fixed(r.maxMs).padStart(7)}  ${r.outcome}`);
  return lines.join('\n');
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const runsArg = argv.find((a) => a.startsWith('--runs='));
  const runs = runsArg ? Math.min(Math.max(Number(runsArg.slice('--runs='.length)) || 7, 1), 100) : 7;
  const startedAt = new Date();
  const loadBefore = loadavg()[0] ?? 0;
  const results = rows.map((row) => measure(row.name, row.run, runs));
  // Template parameter validation runs on a worker thread: its event-loop cost is the call, not the match.
  const worker = new GoRegexpWorker();
  await worker.match('a', 'a');
  const regexp: WorkerMeasure[] = [];
  for (const pair of pairs) regexp.push(await measureOnWorker(worker, pair));
  worker.close();
  // Wall times stretch with other work on the machine: the load average is part of the figures.
  const load = { before: loadBefore, after: loadavg()[0] ?? 0 };
  process.stdout.write(`${renderTable(results)}\n${renderRegexpTable(regexp)}\nload average (1 min) ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after\n`);
  if (Object.keys(Object.prototype).length !== 0) throw new Error('an input wrote into Object.prototype');
  if (argv.includes('--no-save')) return;
  const file = resultsFile(startedAt, HOSTILE_RESULTS_PREFIX);
  const saved: HostileResults = { startedAt: startedAt.toISOString(), machine: machine(), load, runs, results, regexp };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  process.stdout.write(`wrote ${file} and ${writeBenchmarksDoc({ hostile: saved })}\n`);
}

/** The worker rows for the console. */
function renderRegexpTable(rows: WorkerMeasure[]): string {
  const lines = rows.map((r) => `${r.name.padEnd(44)} ${r.callMs.toFixed(2).padStart(8)} ${r.maxDelayMs.toFixed(1).padStart(8)} ${r.answerAfterMs.toFixed(0).padStart(8)}  ${r.outcome}`);
  return [`${'regexp on the worker'.padEnd(44)} ${'call ms'.padStart(8)} ${'delay ms'.padStart(8)} ${'answer ms'.padStart(8)}  answer`, ...lines].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
