// docs/benchmarks.md holds two runs: the read path (npm run bench) and AccountQuota admission (npm run
// bench:quota). Whichever runs re-renders the file with its own results and the newest saved results of the
// other, so neither erases the other's section.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRoot } from './frozen-build.js';
import type { QuotaResults } from './quota-results.js';
import { QUOTA_NOTES, QUOTA_RUN, READ_PATH_NOTES, READ_PATH_RUN, renderMarkdown } from './report.js';
import type { BenchResults } from './results.js';

export const QUOTA_RESULTS_PREFIX = 'quota-admission-';
const READ_PATH_FILE = /^\d{4}-\d\d-\d\d(T\d{6})?\.json$/;

const resultsDir = () => join(sourceRoot(), 'test', 'bench', 'results');

/** The saved run with the latest startedAt among the files `match` accepts (unreadable files are skipped). */
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
export const newestQuota = () => newest<QuotaResults>((name) => name.startsWith(QUOTA_RESULTS_PREFIX) && name.endsWith('.json'));

/** The bullets under `heading` in `doc`, up to the next heading (a bullet may run over several lines). */
function bullets(doc: string, heading: string): string[] {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('- ')) out.push(line.slice(2));
    else if (line.trim() !== '' && out.length > 0) out[out.length - 1] += `\n${line}`;
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
export function writeBenchmarksDoc(given: { readPath?: BenchResults; quota?: QuotaResults }): string {
  const file = join(sourceRoot(), 'docs', 'benchmarks.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const readPath = given.readPath ?? newestReadPath();
  const quota = given.quota ?? newestQuota();
  mkdirSync(join(sourceRoot(), 'docs'), { recursive: true });
  writeFileSync(file, renderMarkdown(
    readPath && withHandNotes(readPath, previous, READ_PATH_RUN, READ_PATH_NOTES),
    quota && withHandNotes(quota, previous, QUOTA_RUN, QUOTA_NOTES, quotaRenderedNotes(quota)),
  ));
  return file;
}

/** The quota section also shows notes made from its figures (failures); those are not hand-added ones. */
function quotaRenderedNotes(q: QuotaResults): string[] {
  const shown = renderMarkdown(undefined, { ...q, notes: [] });
  return bullets(shown, QUOTA_NOTES);
}
