// `npm run build && KIOSK_SANDBOX_DIR=... node dist/test/bench/token-reviews.js [--tokens=1000] [--no-save]`:
// how many TokenReviews 1,000 bad bearer tokens cost, per kind of token, before and after the
// service-account pre-check (storage/authentication/service-account-token-check.ts). Needs a running
// sandbox (npm run sandbox -- --detach). TokenReviews are counted where they land: kube-apiserver's
// apiserver_request_total{resource="tokenreviews"}.
// - before: the TokenReviewer as it was (no pre-check), in this process, against the sandbox's kube-apiserver;
// - after: the same TokenReviewer with the pre-check, in this process;
// - live server: the tokens sent as bearer tokens to the sandbox's running kiosk server over HTTPS.
// Writes test/bench/results/token-reviews-<date>.json and its section of docs/benchmarks.md.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import jwt from 'jsonwebtoken';
import { ServiceAccountIssuer } from '../../storage/authentication/service-account-issuer.js';
import { ServiceAccountTokenCheck } from '../../storage/authentication/service-account-token-check.js';
import { TokenReviewer } from '../../storage/authentication/token-reviewer.js';
import { KubeClient } from '../../storage/client.js';
import { silentLogger } from '../../storage/logger.js';
import { kubectlOk } from '../cluster/kubectl.js';
import { sandboxPaths } from '../cluster/paths.js';
import { direct, pki } from '../support/sandbox-access.js';
import { tokenReviewsServed } from '../support/token-reviews.js';
import { TOKEN_REVIEWS_PREFIX, writeBenchmarksDoc } from './docs.js';
import { machine, resultsFile } from './frozen-build.js';
import type { BenchResults } from './results.js';

export interface TokenReviewRow {
  kind: string;
  tokens: number;
  before: number;
  after: number;
  live: number;
  /** Responses of the live server: status -> count. */
  liveStatuses: Record<string, number>;
}

/** A saved run: test/bench/results/token-reviews-<date>.json, rendered into docs/benchmarks.md. */
export interface TokenReviewResults {
  startedAt: string;
  machine: BenchResults['machine'];
  rows: TokenReviewRow[];
}

const CONCURRENCY = 20;

async function inBatches<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

async function counted(run: () => Promise<void>): Promise<number> {
  const before = await tokenReviewsServed();
  await run();
  return (await tokenReviewsServed()) - before;
}

/** Each kind of bad token, `n` distinct ones (distinct: the TokenReview cache would hide repeats). */
async function kinds(n: number): Promise<Array<{ kind: string; tokens: () => string[] }>> {
  const real = (await kubectlOk(['create', 'token', 'default', '-n', 'default', '--duration=10m'])).trim();
  const decoded = jwt.decode(real, { complete: true })!;
  const claims = decoded.payload as jwt.JwtPayload;
  const kid = decoded.header.kid!;
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const saKey = readFileSync(pki().serviceAccountKey);
  const many = (make: (i: number) => string) => () => Array.from({ length: n }, (_, i) => make(i));
  const now = Math.floor(Date.now() / 1000);
  return [
    { kind: 'service-account issuer, signed by another key (real kid)', tokens: many((i) => jwt.sign({ ...claims, jti: `f${i}` }, attacker, { algorithm: 'RS256', keyid: kid })) },
    { kind: 'service-account issuer, signed by another key (random kid)', tokens: many((i) => jwt.sign({ ...claims, jti: `r${i}` }, attacker, { algorithm: 'RS256', keyid: randomBytes(16).toString('base64url') })) },
    { kind: 'service-account issuer, real key, expired an hour ago', tokens: many((i) => jwt.sign({ ...claims, jti: `e${i}`, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, saKey, { algorithm: 'RS256', keyid: kid })) },
    { kind: 'another issuer, signed by its own key', tokens: many((i) => jwt.sign({ ...claims, iss: 'https://issuer.example', jti: `o${i}` }, attacker, { algorithm: 'RS256' })) },
    { kind: 'random string (static/webhook token shape)', tokens: many(() => randomBytes(24).toString('base64url')) },
    { kind: 'three base64url parts that are no JWT', tokens: many(() => `${randomBytes(12).toString('base64url')}.${randomBytes(12).toString('base64url')}.${randomBytes(12).toString('base64url')}`) },
  ];
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const nArg = argv.find((a) => a.startsWith('--tokens='));
  const n = nArg ? Math.min(Math.max(Number(nArg.slice('--tokens='.length)) || 1000, 1), 100_000) : 1000;
  const startedAt = new Date();
  const client = await KubeClient.fromKubeconfig(sandboxPaths().adminKubeconfig);
  const issuer = new ServiceAccountIssuer(client, silentLogger);
  if (!(await issuer.fetchedSince(0))) throw new Error('the sandbox serves no service-account issuer discovery');
  const rows: TokenReviewRow[] = [];
  for (const k of await kinds(n)) {
    // Fresh reviewers per kind and phase: nothing cached from an earlier phase.
    const before = await counted(() => inBatches(k.tokens(), async (t) => { await new TokenReviewer(client).review(t); }));
    const checked = new TokenReviewer(client, {}, new ServiceAccountTokenCheck(issuer));
    const after = await counted(() => inBatches(k.tokens(), async (t) => { await checked.review(t); }));
    const liveStatuses: Record<string, number> = {};
    const live = await counted(() => inBatches(k.tokens(), async (t) => {
      const res = await direct({ path: '/apis/tenancy.kiosk.sh/v1alpha1', headers: { Authorization: `Bearer ${t}` } });
      liveStatuses[res.status] = (liveStatuses[res.status] ?? 0) + 1;
    }));
    rows.push({ kind: k.kind, tokens: n, before, after, live, liveStatuses });
    process.stdout.write(`${k.kind.padEnd(62)} before ${String(before).padStart(5)}  after ${String(after).padStart(5)}  live server ${String(live).padStart(5)}  ${JSON.stringify(liveStatuses)}\n`);
  }
  issuer.stop();
  client.close();
  if (argv.includes('--no-save')) return;
  const file = resultsFile(startedAt, TOKEN_REVIEWS_PREFIX);
  const saved: TokenReviewResults = { startedAt: startedAt.toISOString(), machine: machine(), rows };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  process.stdout.write(`wrote ${file} and ${writeBenchmarksDoc({ tokenReviews: saved })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
