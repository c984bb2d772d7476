// What every benchmark entry point shares: where the source tree is, which machine and commit ran, and the
// frozen copy of the build a run re-executes itself from (see snapshotBuild).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { K8S_VERSION, repoRoot } from '../cluster/paths.js';
import type { BenchResults } from './results.js';

/**
 * The tree the server under test was built from, and the one results are written to. Both are the
 * repository, except in the copy of the build a run re-executes itself from (see snapshotBuild).
 */
export const sourceRoot = () => process.env.KIOSK_BENCH_SOURCE ?? repoRoot();

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: sourceRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machine(): BenchResults['machine'] {
  return {
    cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, kubernetes: K8S_VERSION,
    // A tree exported with `git archive` has no .git: KIOSK_BENCH_COMMIT then names the commit it came from.
    commit: git(['rev-parse', 'HEAD']) || process.env.KIOSK_BENCH_COMMIT || 'unknown', dirtyTree: git(['status', '--porcelain']) !== '',
  };
}

/**
 * Copies what the sandbox runs (dist/, manifests/, the binaries' build script, package.json and a link
 * to node_modules) into the sandbox folder. The run then re-executes itself from the copy, so that the
 * server it restarts at every size is the build of the moment the run began: a rebuild of dist/ in the
 * working tree during a 10-minute run would otherwise swap, or break, the server under test.
 */
export function snapshotBuild(root: string, sandbox: string): string {
  const target = join(sandbox, 'build');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, 'test', 'cluster'), { recursive: true });
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true });
  cpSync(join(root, 'manifests'), join(target, 'manifests'), { recursive: true });
  cpSync(join(root, 'test', 'cluster', 'build-binaries.sh'), join(target, 'test', 'cluster', 'build-binaries.sh'));
  cpSync(join(root, 'package.json'), join(target, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'), 'dir');
  return target;
}

/**
 * results/<prefix><date>.json, or with the time appended when a run of the same day is already there
 * (the read-path benchmark has no prefix; others name themselves, e.g. `quota-admission-`).
 */
export function resultsFile(startedAt: Date, prefix = ''): string {
  const dir = join(sourceRoot(), 'test', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const day = join(dir, `${prefix}${startedAt.toISOString().slice(0, 10)}.json`);
  return existsSync(day) ? join(dir, `${prefix}${startedAt.toISOString().slice(0, 19).replace(/:/g, '')}.json`) : day;
}
