// docs/benchmarks.md holds two runs: the read path (npm run bench) and AccountQuota admission (npm run
// bench:quota). Whichever runs re-renders the file with its own results and the newest saved results of the
// other, so neither erases the other's section.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRoot } from './frozen-build.js';
import type { BurstResults } from './measure-burst.js';
import { BURST_RESULTS_PREFIX, renderBursts } from './measure-burst.js';
import type { QuotaResults } from './quota-results.js';
import { QUOTA_NOTES, QUOTA_RUN, READ_PATH_NOTES, READ_PATH_RUN, renderMarkdown } from './report.js';
import type { FuzzResults } from '../fuzz/run.js';
import type { HostileResults } from './hostile-inputs.js';
import type { BenchResults } from './results.js';
import type { TokenReviewResults } from './token-reviews.js';

export const QUOTA_RESULTS_PREFIX = 'quota-admission-';
export const HOSTILE_RESULTS_PREFIX = 'hostile-inputs-';
export const FUZZ_RESULTS_PREFIX = 'fuzz-';
export const TOKEN_REVIEWS_PREFIX = 'token-reviews-';
const READ_PATH_FILE = /^\d{4}-\d\d-\d\d(T\d{6})?\.json$/;

const resultsDir = () => join(sourceRoot(), 'test', 'bench', 'results');

/** The saved run with the latest startedAt among the files `match` accepts (unreadable files are skipped). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type parameter is the cast of what JSON.parse returns
function newest<T extends { startedAt: string }>(match: (name: string) => boolean): T | undefined {
  const dir = resultsDir();
  if (!existsSync(dir)) return undefined;
  let best: T | undefined;
  for (const name of readdirSync(dir).filter(match).sort()) {
    try {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
      if (!best || r.startedAt >= best.startedAt) best = r;
    } catch {
      // a file being written or hand-edited into invalid JSON: not a candidate
    }
  }
  return best;
}

export const newestReadPath = () => newest<BenchResults>((name) => READ_PATH_FILE.test(name));
export const newestHostile = () => newest<HostileResults>((name) => name.startsWith(HOSTILE_RESULTS_PREFIX) && name.endsWith('.json'));
export const newestFuzz = () => newest<FuzzResults>((name) => name.startsWith(FUZZ_RESULTS_PREFIX) && name.endsWith('.json'));
export const newestTokenReviews = () => newest<TokenReviewResults>((name) => name.startsWith(TOKEN_REVIEWS_PREFIX) && name.endsWith('.json'));
export const newestQuota = () => newest<QuotaResults>((name) => name.startsWith(QUOTA_RESULTS_PREFIX) && name.endsWith('.json'));
export const newestQuotaBurst = () => newest<BurstResults>((name) => name.startsWith(BURST_RESULTS_PREFIX) && name.endsWith('.json'));

/** The bullets under `heading` in `doc`, up to the next heading (a bullet may run over several lines). */
function bullets(doc: string, heading: string): string[] {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('- ')) out.push(line.slice(2));
    else if (line.trim() !== '' && out.length > 0) out.push(`${out.pop() ?? ''}\n${line}`);
  }
  return out;
}

/**
 * Notes written into docs/benchmarks.md by hand, after the run, are not in the results file: a re-render of
 * the same run (same start minute in its run line) keeps them after the saved notes. A new run starts afresh.
 * Any bullet of the file that is not a saved note counts as hand-added: after editing a note in the results
 * file, delete its old wording from docs/benchmarks.md too, or both stay.
 */
function withHandNotes<T extends { startedAt: string; notes: string[] }>(r: T, doc: string, runLine: RegExp, heading: string, rendered: string[] = r.notes): T {
  const shownRun = runLine.exec(doc)?.[1];
  if (shownRun !== r.startedAt.slice(0, 16).replace('T', ' ')) return r;
  const extra = bullets(doc, heading).filter((note) => !rendered.includes(note) && !r.notes.includes(note));
  return extra.length > 0 ? { ...r, notes: [...r.notes, ...extra] } : r;
}

/**
 * Writes docs/benchmarks.md from `given` (the results of the run in progress) and, for the other kind of
 * run, the newest results file. Returns the path written.
 */
export function writeBenchmarksDoc(given: {
  readPath?: BenchResults; quota?: QuotaResults; hostile?: HostileResults; fuzz?: FuzzResults; tokenReviews?: TokenReviewResults; quotaBurst?: BurstResults;
}): string {
  const file = join(sourceRoot(), 'docs', 'benchmarks.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const readPath = given.readPath ?? newestReadPath();
  const quota = given.quota ?? newestQuota();
  mkdirSync(join(sourceRoot(), 'docs'), { recursive: true });
  const hostile = given.hostile ?? newestHostile();
  writeFileSync(file, renderMarkdown(
    readPath && withHandNotes(readPath, previous, READ_PATH_RUN, READ_PATH_NOTES),
    quota && withHandNotes(quota, previous, QUOTA_RUN, QUOTA_NOTES, quotaRenderedNotes(quota)),
  ) + renderBursts(given.quotaBurst ?? newestQuotaBurst()) + (hostile ? renderHostile(hostile) : '') + renderFuzz(given.fuzz ?? newestFuzz()) + renderTokenReviews(given.tokenReviews ?? newestTokenReviews()));
  return file;
}

/** The quota section also shows notes made from its figures (failures); those are not hand-added ones. */
function quotaRenderedNotes(q: QuotaResults): string[] {
  const shown = renderMarkdown(undefined, { ...q, notes: [] });
  return bullets(shown, QUOTA_NOTES);
}

const fixed = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));

/** The section of docs/benchmarks.md for `node dist/test/bench/hostile-inputs.js`. */
function renderHostile(h: HostileResults): string {
  const m = h.machine;
  return [
    '',
    '## Hostile inputs: event-loop time per request',
    '',
    `Run ${h.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, commit ${m.commit.slice(0, 12)}; `
      + `load average ${h.load.before.toFixed(2)} before, ${h.load.after.toFixed(2)} after (wall times stretch with other work on the machine).`,
    'Each input is decoded or matched in the server\'s own functions, synchronously, as a request would be: the time is the time every other',
    `request waits. Median and maximum of ${h.runs} runs after a warm-up. The target (issue "Hardening I") is at most 100 ms for each.`,
    '',
    '| input | median ms | max ms | outcome |',
    '|---|---:|---:|---|',
    ...h.results.map((r) => `| ${r.name.replace(/\|/g, '\\|')} | ${fixed(r.medianMs)} | ${fixed(r.maxMs)} | ${r.outcome.replace(/\|/g, '\\|')} |`),
    '',
    'Template parameter validation matches Go regexps (RE2 semantics, linear time) on a worker thread with a 5 s deadline: what holds the',
    'event loop is the call that hands the pattern and value over, not the match. "delay" is the longest event-loop delay seen until the answer.',
    '',
    '| pattern and value | call ms | max delay ms | answer after ms | answer |',
    '|---|---:|---:|---:|---|',
    ...(h.regexp ?? []).map((r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${fixed(r.callMs)} | ${fixed(r.maxDelayMs)} | ${fixed(r.answerAfterMs)} | ${r.outcome.replace(/\|/g, '\\|')} |`),
    '',
    'Run: `npm run -s build && node dist/test/bench/hostile-inputs.js` (writes test/bench/results/hostile-inputs-<date>.json and this section).',
    '',
  ].join('\n');
}

/** The section of docs/benchmarks.md for `npm run fuzz`: what the server answered and how live it stayed. */
function renderFuzz(f: FuzzResults | undefined): string {
  if (!f) return '';
  const s = f.summary;
  const statuses = Object.entries(s.histogram).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
  return [
    '',
    '## Fuzz tier: generated requests against the sandbox',
    '',
    `Run ${f.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${f.machine.cpus} CPUs, Node ${f.machine.node}, commit ${f.machine.commit.slice(0, 12)}; `
      + `seed ${s.seed}, ${s.requests} requests, ${f.concurrency} in flight, ${(s.durationMs / 1000).toFixed(1)} s; load average ${f.load.toFixed(2)} at the end.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| 5xx and unanswered | ${s.serverErrors.length} |`,
    `| server pid before → after | ${s.server.pidBefore} → ${s.server.pidAfter}${s.server.alive ? ', alive' : ', not running'} |`,
    `| /livez probes, failed | ${s.livez.samples}, ${s.livez.failures.length} |`,
    `| /livez p50 / p99 / max (target: p99 ≤ 100 ms) | ${fixed(s.livez.p50)} / ${fixed(s.livez.p99)} / ${fixed(s.livez.max)} ms |`,
    `| event-loop lag p99 (prom-client, over the run) | ${s.eventLoopLagP99Seconds === undefined ? 'not read' : `${fixed(s.eventLoopLagP99Seconds * 1000)} ms`} |`,
    `| statuses | ${statuses} |`,
    '',
    'The /livez figures include the machine\'s own scheduling: kube-apiserver, etcd, the driver and the probe share the same CPUs.',
    'Run: `npm run fuzz -- --runs 10000 --seed S` (writes test/bench/results/fuzz-<date>.json and this section).',
    '',
  ].join('\n');
}

/** The section of docs/benchmarks.md for `node dist/test/bench/token-reviews.js`. */
function renderTokenReviews(t: TokenReviewResults | undefined): string {
  if (!t) return '';
  const m = t.machine;
  return [
    '',
    '## TokenReviews per 1,000 bad bearer tokens',
    '',
    `Run ${t.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} CPUs, Node ${m.node}, commit ${m.commit.slice(0, 12)}. `
      + 'Counted on kube-apiserver (apiserver_request_total{resource="tokenreviews"}); every token distinct, so no cached outcome hides a review.',
    '"before" is the TokenReviewer without the service-account pre-check, "after" with it (both in the benchmark process against the',
    'sandbox\'s kube-apiserver), "live server" the same tokens sent to the running server over HTTPS (its answers in the last column).',
    '',
    '| bearer token | tokens | TokenReviews before | after | live server | live answers |',
    '|---|---:|---:|---:|---:|---|',
    ...t.rows.map((r) => `| ${r.kind} | ${r.tokens} | ${r.before} | ${r.after} | ${r.live} | ${Object.entries(r.liveStatuses).map(([k, v]) => `${v}× ${k}`).join(', ')} |`),
    '',
    'Only tokens naming the cluster\'s service-account issuer can be refused locally: any other token may belong to another of',
    'kube-apiserver\'s authenticators (static tokens, bootstrap tokens, OIDC issuers, webhooks such as EKS and GKE), which only',
    'TokenReview can ask. A repeated token costs one review per 10 s (the outcome cache).',
    '',
    'Run: `npm run -s build && node dist/test/bench/token-reviews.js` with a sandbox running (writes test/bench/results/token-reviews-<date>.json and this section).',
    '',
  ].join('\n');
}
