// Forged AdmissionReviews against the running sandbox (KIOSK_SANDBOX_DIR; `npm run sandbox -- --detach`):
//  1. the lag RESERVATION_TTL_MS must cover: real pod creates through kube-apiserver with the CPUs saturated
//     by busy-loop processes, read back from kiosk_accountquota_reservation_visible_seconds;
//  2. the damage forged reviews do: how many the server takes per second in one account, the most claims and
//     bytes its ledger holds meanwhile, and what a real create in the account gets while they come;
//  3. the attack: two forged reviews every `--every` seconds against a pods: "2" account while its
//     tenant tries 30 pod creates (create, then delete), one a second.
// Usage: node dist/test/bench/forged-reviews.js [--pods=300] [--burners=4] [--reviews=1000] [--every=10]
import { spawn } from 'node:child_process';
import { kubectl } from '../cluster/kubectl.js';
import { forgePodReview } from '../support/forged-review.js';
import { quotaTenant } from '../support/quota-tenant.js';
import { direct, eventually, frontProxyCredentials, viaApiserver } from '../support/sandbox-access.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const PODS = arg('pods', 300);
const BURNERS = arg('burners', 4);
const REVIEWS = arg('reviews', 1000);
const EVERY_S = arg('every', 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = Date.now().toString(36);

/** A tenant with one space, `<acct>-s`, and a pod quota. */
async function tenant(acct: string, pods: string): Promise<string> {
  const ns = `${acct}-s`;
  await quotaTenant(acct, [ns], { pods });
  return ns;
}

async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}

const podBody = (name: string, ns: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }] } });
const createPod = (name: string, ns: string) => viaApiserver({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, headers: { 'Content-Type': 'application/json' }, body: podBody(name, ns) });

async function visibleHistogram(): Promise<Array<[string, number]>> {
  const res = await direct({ path: '/metrics', headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' }, ...frontProxyCredentials() });
  return [...res.body.matchAll(/^kiosk_accountquota_reservation_visible_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]);
}

async function ledgerSize(acct: string): Promise<{ entries: number; bytes: number }> {
  const r = await kubectl(['get', 'lease', `quota-${acct}`, '-n', 'kiosk-system', '-o', 'jsonpath={.metadata.annotations.kiosk\\.sh/ledger}']);
  const now = Date.now();
  const entries = Object.values(JSON.parse(r.stdout || '{}') as Record<string, { expiresAt: number }>).filter((e) => e.expiresAt > now).length;
  return { entries, bytes: Buffer.byteLength(r.stdout) };
}

async function main(): Promise<void> {
  // 1. Lag under load.
  const lagNs = await tenant(`fb-lag-${run}`, '100000');
  const before = await visibleHistogram();
  const burners = Array.from({ length: BURNERS }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  let created = 0;
  try {
    const results = await pool(PODS, 10, (i) => createPod(`lag-${i}`, lagNs));
    created = results.filter((r) => r.status === 201).length;
  } finally {
    for (const b of burners) b.kill();
  }
  // The last pods' events arrive after their 201: wait until every one is observed.
  await eventually(async () => ((await visibleHistogram()).at(-1)?.[1] ?? 0) - (before.at(-1)?.[1] ?? 0) >= created, 30_000, 250);
  const after = await visibleHistogram();
  const base = new Map(before);
  console.log(`informer lag of ${created} pod creates (${BURNERS} busy-loop processes on ${BURNERS > 0 ? 'the shared' : 'idle'} CPUs):`);
  for (const [le, n] of after) console.log(`  le=${le}: ${n - (base.get(le) ?? 0)}`);

  // 2. Forged reviews: one account with room for all of them, 253-character names, 8 at a time.
  const acct = `fb-flood-${run}`;
  const ns = await tenant(acct, '100000');
  const name = (i: number) => `${String(i).padStart(5, '0')}-${'x'.repeat(247)}`;
  let peak = { entries: 0, bytes: 0 };
  let sampling = true;
  const sampler = (async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set from another callback, which TypeScript's narrowing does not see
    while (sampling) {
      const s = await ledgerSize(acct);
      if (s.bytes > peak.bytes) peak = s;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const started = Date.now();
  const answers = await pool(REVIEWS, 8, (i) => forgePodReview(ns, name(i)));
  const seconds = (Date.now() - started) / 1000;
  const real = await createPod('real', ns);
  sampling = false;
  await sampler;
  const byCode = new Map<string, number>();
  for (const a of answers) byCode.set(a.allowed ? 'allowed' : String(a.code ?? a.status), (byCode.get(a.allowed ? 'allowed' : String(a.code ?? a.status)) ?? 0) + 1);
  console.log(`${REVIEWS} forged reviews in ${seconds.toFixed(1)} s (${(REVIEWS / seconds).toFixed(1)}/s): ${JSON.stringify(Object.fromEntries(byCode))}`);
  console.log(`ledger peak: ${peak.entries} live claims, ${peak.bytes} bytes; a real create right after: HTTP ${real.status}`);

  // 3. The attack of the issue, renewed every EVERY_S seconds.
  const devNs = await tenant(`fb-dev-${run}`, '2');
  let attacking = true;
  let sent = 0;
  const attacker = (async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set from another callback, which TypeScript's narrowing does not see
    for (let round = 0; attacking; round++) {
      await Promise.all([forgePodReview(devNs, `ghost-${round}-a`), forgePodReview(devNs, `ghost-${round}-b`)]);
      sent += 2;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set from another callback, which TypeScript's narrowing does not see
      for (let waited = 0; attacking && waited < EVERY_S * 1000; waited += 100) await sleep(100);
    }
  })();
  await sleep(500);
  let admitted = 0;
  for (let i = 0; i < 30; i++) {
    const r = await createPod(`dev-${i}`, devNs);
    if (r.status === 201) {
      admitted++;
      await viaApiserver({ method: 'DELETE', path: `/api/v1/namespaces/${devNs}/pods/dev-${i}?gracePeriodSeconds=0` });
    }
    await sleep(1_000);
  }
  attacking = false;
  await attacker;
  console.log(`two forged reviews every ${EVERY_S} s (${sent} sent): dev's pod creates admitted ${admitted} of 30`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
