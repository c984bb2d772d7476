import { performance } from 'node:perf_hooks';
import type { Clients } from './clients.js';
import { SPACES_PATH, remoteUser } from './clients.js';
import { collectionPath, create } from './generator.js';
import { sleep } from './limiter.js';
import { VISIBILITY_NAMESPACES, VISIBILITY_USER, roleBinding, visibilityNamespace } from './model.js';
import type { VisibilityFigures } from './results.js';
import { summarize } from './stats.js';
import { SpaceWatch } from './watch.js';

const BINDING = 'bench-grant';
const WHO = { username: VISIBILITY_USER, groups: [] };
/** A grant not visible after this long counts as a failure of the run, not as a slow sample. */
const VISIBLE_TIMEOUT_MS = 10_000;
/** Pause between cycles so one cycle's trailing work (informer events, cache misses) never overlaps the next. */
const PAUSE_MS = 20;

interface Timings {
  grant: number[];
  revoke: number[];
  createCall: number[];
  deleteCall: number[];
}

/** One grant (create) and one revoke (delete) in namespace `ns`; `visible` waits for the state and returns its time. */
async function cycle(clients: Clients, ns: string, t: Timings, visible: (present: boolean) => Promise<number>): Promise<void> {
  const binding = roleBinding(ns, BINDING, 'bench:space-viewer', [{ kind: 'User', name: VISIBILITY_USER }], 'visibility');
  let t0 = performance.now();
  await create(clients.apiserver, binding);
  t.createCall.push(performance.now() - t0);
  t.grant.push((await visible(true)) - t0);
  await sleep(PAUSE_MS);

  t0 = performance.now();
  const res = await clients.apiserver.request(`${collectionPath(binding)}/${BINDING}`, { method: 'DELETE' });
  if (res.status !== 200) throw new Error(`deleting ${ns}/${BINDING}: ${res.status} ${res.body.slice(0, 200)}`);
  t.deleteCall.push(performance.now() - t0);
  t.revoke.push((await visible(false)) - t0);
  await sleep(PAUSE_MS);
}

/** Lists as the user back to back until `ns` is (or is no longer) there; returns when the deciding answer ended. */
async function pollList(clients: Clients, ns: string, present: boolean): Promise<number> {
  const deadline = performance.now() + VISIBLE_TIMEOUT_MS;
  for (;;) {
    const r = await clients.server.request(SPACES_PATH, { headers: remoteUser(WHO) });
    const at = performance.now();
    if (r.status !== 200) throw new Error(`list as ${VISIBILITY_USER}: ${r.status} ${r.body.slice(0, 200)}`);
    const names = (JSON.parse(r.body) as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
    if (names.includes(ns) === present) return at;
    if (at > deadline) throw new Error(`${ns} still ${present ? 'invisible' : 'visible'} in the list after ${VISIBLE_TIMEOUT_MS} ms`);
  }
}

/**
 * Grant/revoke visibility in two separate passes, so the list polling never competes with the watch:
 * first a watch open as the user times ADDED and DELETED; then back-to-back lists time the same cycles.
 * Every time counts from the moment the RoleBinding write was sent.
 */
export async function measureVisibility(clients: Clients, samples: number): Promise<VisibilityFigures> {
  // A binding left by an interrupted run would turn the first grant into a no-op.
  for (let k = 0; k < Math.min(samples, VISIBILITY_NAMESPACES); k++) {
    const path = `${collectionPath({ kind: 'RoleBinding', metadata: { namespace: visibilityNamespace(k) } })}/${BINDING}`;
    await clients.apiserver.json(path, { method: 'DELETE' }, [200, 404]);
  }
  await sleep(500);
  const watchT: Timings = { grant: [], revoke: [], createCall: [], deleteCall: [] };
  const watch = await SpaceWatch.open(clients.server, WHO);
  try {
    for (let k = 0; k < samples; k++) {
      const ns = visibilityNamespace(k % VISIBILITY_NAMESPACES);
      await cycle(clients, ns, watchT, (present) => watch.waitFor(present ? 'ADDED' : 'DELETED', ns, VISIBLE_TIMEOUT_MS));
      watch.forget();
    }
  } finally {
    watch.close();
  }

  const listT: Timings = { grant: [], revoke: [], createCall: [], deleteCall: [] };
  for (let k = 0; k < samples; k++) {
    const ns = visibilityNamespace(k % VISIBILITY_NAMESPACES);
    await cycle(clients, ns, listT, (present) => pollList(clients, ns, present));
  }
  return {
    watchGrant: summarize(watchT.grant), watchRevoke: summarize(watchT.revoke),
    listGrant: summarize(listT.grant), listRevoke: summarize(listT.revoke),
    createCall: summarize([...watchT.createCall, ...listT.createCall]),
    deleteCall: summarize([...watchT.deleteCall, ...listT.deleteCall]),
  };
}
