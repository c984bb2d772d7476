import type { KubeObject } from '../../storage/informers/informer.js';
import { openWatch } from '../../storage/visibility/user-watch.js';
import type { VisibilityEvent } from '../../storage/visibility/user-watch.js';
import { Cluster, WatchClient, groupSubject, hasLabel, rules, user, userSubject } from './visibility-fixtures.js';

const alice = user('alice');
const bob = user('bob');

function cluster(): Cluster {
  const c = new Cluster();
  c.namespace('a', { labels: { env: 'prod' } });
  c.namespace('b', { labels: { env: 'dev' } });
  c.namespace('c', { labels: { env: 'prod' } });
  c.clusterRole('view', [rules.getNamespaces()]);
  c.index.markSynced();
  return c;
}

describe('openWatch: events', () => {
  it('starts with the visible, matching objects as ADDED, sorted, at their own resourceVersion', () => {
    const c = cluster();
    c.roleBinding('c', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    c.roleBinding('b', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    const all = new WatchClient(c.index, { user: alice });
    const prod = new WatchClient(c.index, { user: alice, matches: hasLabel('env', 'prod') });
    const rvOf = (n: string) => Number(c.namespaces.get(n)!.metadata.resourceVersion);
    expect(all.log).toEqual([`ADDED a@${rvOf('a')}`, `ADDED b@${rvOf('b')}`, `ADDED c@${rvOf('c')}`]);
    expect(prod.log).toEqual([`ADDED a@${rvOf('a')}`, `ADDED c@${rvOf('c')}`]);
    expect(new WatchClient(c.index, { user: bob }).log).toEqual([]);
  });

  it('a grant is ADDED, a relabel MODIFIED, a revoke DELETED with the object', () => {
    const c = cluster();
    const w = new WatchClient(c.index, { user: alice });
    const rb = c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    expect(w.log).toEqual([`ADDED a@${String(rb.metadata.resourceVersion)}`]);
    expect(w.events[0]!.object).toBe(c.namespaces.get('a'));

    const relabeled = c.namespace('a', { labels: { env: 'staging' } });
    expect(w.log.slice(1)).toEqual([`MODIFIED a@${String(relabeled.metadata.resourceVersion)}`]);
    expect(w.events[1]!.object).toBe(relabeled);

    c.deleteRoleBinding('a', 'rb');
    expect(w.log.slice(2)).toEqual([`DELETED a@${c.rv}`]);
    expect(w.events[2]!.object).toBe(relabeled);
    expect(w.state.size).toBe(0);
    expect(w.violations).toEqual([]);
  });

  it('other users\' changes produce nothing', () => {
    const c = cluster();
    c.roleBinding('a', 'alice', 'ClusterRole/view', [userSubject('alice')]);
    const w = new WatchClient(c.index, { user: alice });
    const initial = w.log.length;
    c.roleBinding('b', 'bob', 'ClusterRole/view', [userSubject('bob')]);
    c.clusterRoleBinding('bob-all', 'view', [userSubject('bob'), groupSubject('devs')]);
    c.namespace('d');
    c.namespace('b', { labels: { env: 'other' } });
    c.deleteNamespace('c');
    c.deleteClusterRoleBinding('bob-all');
    c.roleBinding('a', 'bob-too', 'ClusterRole/view', [userSubject('bob')]); // same namespace, other user
    c.account('acme', [userSubject('alice')]); // another collection
    expect(w.log.slice(initial)).toEqual([]);
  });

  it('a label selector turns relabels into ADDED and DELETED', () => {
    const c = cluster();
    c.clusterRoleBinding('alice-all', 'view', [userSubject('alice')]);
    const w = new WatchClient(c.index, { user: alice, matches: hasLabel('env', 'prod') });
    expect(w.names()).toEqual(['a', 'c']);
    const from = w.events.length;
    c.namespace('a', { labels: { env: 'dev' } });
    c.namespace('b', { labels: { env: 'prod' } });
    c.namespace('b', { labels: { env: 'prod', tier: 'x' } });
    c.namespace('b', { labels: { env: 'dev' } });
    c.namespace('d', { labels: { env: 'prod' } });
    c.namespace('e', { labels: { env: 'dev' } });
    c.deleteNamespace('c');
    c.deleteNamespace('e');
    const rv0 = Number(c.namespaces.get('a')!.metadata.resourceVersion);
    expect(w.log.slice(from)).toEqual([
      `DELETED a@${rv0}`, `ADDED b@${rv0 + 1}`, `MODIFIED b@${rv0 + 2}`, `DELETED b@${rv0 + 3}`, `ADDED d@${rv0 + 4}`, `DELETED c@${rv0 + 6}`,
    ]);
    expect(w.names()).toEqual(['d']);
    expect(w.violations).toEqual([]);
  });

  it('a ClusterRole change adds and removes every namespace its bindings reach, in one change', () => {
    const c = cluster();
    c.clusterRole('agg', null);
    c.roleBinding('c', 'rb', 'ClusterRole/agg', [userSubject('alice')]);
    c.roleBinding('a', 'rb', 'ClusterRole/agg', [groupSubject('system:authenticated')]);
    c.roleBinding('b', 'rb', 'ClusterRole/agg', [userSubject('bob')]);
    const w = new WatchClient(c.index, { user: alice });
    const filled = c.clusterRole('agg', [rules.getNamespaces()]);
    const rv = filled.metadata.resourceVersion;
    expect(w.log).toEqual([`ADDED a@${String(rv)}`, `ADDED c@${String(rv)}`]);
    c.clusterRole('agg', [rules.getNamespaces('a', 'b')]);
    expect(w.log.slice(2)).toEqual([`DELETED c@${c.rv}`]);
    c.deleteClusterRole('agg');
    expect(w.log.slice(3)).toEqual([`DELETED a@${c.rv}`]);
    expect(w.violations).toEqual([]);
  });

  it('overlapping grants: the namespace leaves only with the last of them', () => {
    const c = cluster();
    c.clusterRole('some', [rules.getNamespaces('a')]);
    const w = new WatchClient(c.index, { user: alice });
    c.clusterRoleBinding('all', 'view', [userSubject('alice')]);
    expect(w.names()).toEqual(['a', 'b', 'c']);
    c.clusterRoleBinding('some', 'some', [groupSubject('system:authenticated')]);
    c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    const before = w.events.length;
    c.deleteClusterRoleBinding('all');
    expect(w.log.slice(before)).toEqual([`DELETED b@${c.rv}`, `DELETED c@${c.rv}`]);
    c.deleteClusterRoleBinding('some');
    expect(w.log.slice(before + 2)).toEqual([]);
    c.deleteRoleBinding('a', 'rb');
    expect(w.log.slice(before + 2)).toEqual([`DELETED a@${c.rv}`]);
    expect(w.violations).toEqual([]);
  });

  it('a deleted namespace is DELETED with its last state, a re-created one ADDED', () => {
    const c = cluster();
    c.clusterRoleBinding('all', 'view', [userSubject('alice')]);
    const w = new WatchClient(c.index, { user: alice });
    const last = c.namespaces.get('b')!;
    c.deleteNamespace('b');
    expect(w.events.at(-1)).toEqual({ type: 'DELETED', object: last, rv: c.rv });
    c.namespace('b');
    expect(w.events.at(-1)).toMatchObject({ type: 'ADDED', rv: c.rv });
  });

  it('accounts: membership and grants', () => {
    const c = cluster();
    const w = new WatchClient(c.index, { user: alice, collection: 'accounts' });
    c.account('acme', [userSubject('alice')]);
    c.account('other', [userSubject('bob')]);
    c.account('acme', [userSubject('alice'), userSubject('bob')]);
    c.account('acme', [userSubject('bob')]);
    c.clusterRole('acc', [rules.getAccounts('other', 'acme')]);
    c.clusterRoleBinding('acc', 'acc', [userSubject('alice')]);
    c.roleBinding('a', 'acc', 'ClusterRole/acc', [userSubject('alice')]); // never grants accounts
    c.deleteAccount('other');
    const rv = (n: number) => c.rv - n;
    expect(w.log).toEqual([
      `ADDED acme@${rv(7)}`, `MODIFIED acme@${rv(5)}`, `DELETED acme@${rv(4)}`, `ADDED acme@${rv(2)}`, `ADDED other@${rv(2)}`, `DELETED other@${rv(0)}`,
    ]);
    expect(w.violations).toEqual([]);
  });

  it('close() stops the events', () => {
    const c = cluster();
    const w = new WatchClient(c.index, { user: alice });
    w.close();
    c.clusterRoleBinding('all', 'view', [userSubject('alice')]);
    expect(w.log).toEqual([]);
  });
});

describe('openWatch: resume', () => {
  /** Replays `events` up to and including `rv` onto an empty state: what a client held at `rv`. */
  function stateAt(events: VisibilityEvent[], rv: number): Map<string, KubeObject> {
    const state = new Map<string, KubeObject>();
    for (const e of events) {
      if (e.rv > rv) break;
      if (e.type === 'DELETED') state.delete(e.object.metadata.name);
      else state.set(e.object.metadata.name, e.object);
    }
    return state;
  }

  /** A script of changes touching alice in every way, with the resourceVersion after each step. */
  function script(c: Cluster): number[] {
    const steps: Array<() => void> = [
      () => c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]),
      () => c.namespace('a', { labels: { env: 'dev' } }),
      () => c.namespace('d', { labels: { env: 'prod' } }),
      () => c.clusterRoleBinding('all', 'view', [groupSubject('devs'), userSubject('alice')]),
      () => c.namespace('e', { labels: { env: 'prod' } }),
      () => c.roleBinding('b', 'rb', 'ClusterRole/view', [userSubject('bob')]),
      () => c.clusterRole('view', [rules.getNamespaces('a', 'e')]),
      () => c.namespace('e', { labels: { env: 'dev' } }),
      () => c.deleteNamespace('a'),
      () => c.namespace('a', { labels: { env: 'prod' } }),
      () => c.deleteRoleBinding('a', 'rb'),
      () => c.clusterRole('view', [rules.getNamespaces()]),
      () => c.namespace('c', { labels: { env: 'dev' } }),
      () => c.deleteClusterRoleBinding('all'),
      () => c.roleBinding('c', 'rb', 'ClusterRole/view', [userSubject('alice')]),
      () => c.deleteNamespace('c'),
      () => c.namespace('c', { labels: { env: 'prod' } }),
    ];
    const rvs = [c.index.resourceVersion];
    for (const step of steps) {
      step();
      rvs.push(c.index.resourceVersion);
    }
    return rvs;
  }

  it.each<[string, ((o: KubeObject) => boolean) | undefined]>([
    ['every namespace', undefined],
    ['env=prod', hasLabel('env', 'prod')],
  ])('resuming from any version replays exactly the missed events (%s)', (_name, matches) => {
    const c = cluster();
    const open = new WatchClient(c.index, { user: alice, ...(matches ? { matches } : {}) });
    const rvs = script(c);
    expect(open.events.length).toBeGreaterThan(10);
    expect(open.violations).toEqual([]);
    for (const rv of rvs) {
      const resumed = new WatchClient(c.index, { user: alice, resumeFrom: rv, initial: stateAt(open.events, rv), ...(matches ? { matches } : {}) });
      expect({ rv, log: resumed.log }).toEqual({ rv, log: open.log.filter((_, i) => open.events[i]!.rv > rv) });
      expect({ rv, violations: resumed.violations }).toEqual({ rv, violations: [] });
      expect(resumed.names()).toEqual(open.names());
      // ...and it keeps following live changes like the one that never left.
      resumed.close();
    }
    expect(open.names()).toEqual(c.visible('namespaces', alice).filter((n) => !matches || matches(c.namespaces.get(n)!)));
  });

  it('a resumed watch keeps following live changes', () => {
    const c = cluster();
    const open = new WatchClient(c.index, { user: alice });
    const rvs = script(c);
    const mid = rvs[5]!;
    const resumed = new WatchClient(c.index, { user: alice, resumeFrom: mid, initial: stateAt(open.events, mid) });
    c.clusterRoleBinding('again', 'view', [userSubject('alice')]);
    c.namespace('z');
    c.deleteClusterRoleBinding('again');
    expect(resumed.names()).toEqual(open.names());
    expect(resumed.log).toEqual(open.log.filter((_, i) => open.events[i]!.rv > mid));
  });

  it('resuming from the current version replays nothing', () => {
    const c = cluster();
    script(c);
    expect(new WatchClient(c.index, { user: alice, resumeFrom: c.index.resourceVersion }).log).toEqual([]);
  });

  it('resuming from older than the history window is expired', () => {
    const c = new Cluster(4);
    c.namespace('a');
    c.clusterRole('view', [rules.getNamespaces()]);
    c.index.markSynced();
    const synced = c.index.resourceVersion;
    const watch = (resumeFrom: number) =>
      openWatch(c.index, { collection: 'namespaces', user: alice, matches: () => true, resumeFrom, sink: () => undefined });
    expect(watch(synced - 1)).toEqual({ ok: false, reason: 'expired' });
    expect(watch(synced).ok).toBe(true);
    for (let i = 0; i < 3; i++) c.namespace(`n${i}`);
    expect(watch(synced).ok).toBe(true); // 3 records, capacity 4
    for (let i = 3; i < 10; i++) c.namespace(`n${i}`);
    expect(c.index.oldestResumable).toBe(c.rv - 4);
    expect(watch(synced)).toEqual({ ok: false, reason: 'expired' });
    expect(watch(c.index.oldestResumable - 1)).toEqual({ ok: false, reason: 'expired' });
    expect(watch(c.index.oldestResumable).ok).toBe(true);
    expect(watch(c.index.resourceVersion).ok).toBe(true);
  });

  it('events reach a live watcher with a resourceVersion that never decreases', () => {
    const c = cluster();
    const w = new WatchClient(c.index, { user: alice });
    script(c);
    const rvs = w.events.map((e) => e.rv);
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
  });

  // The informers of different resources deliver independently, so an event may carry an etcd revision
  // older than one already observed (the RoleBinding informer lagging behind the Namespace one). The index
  // then stamps the change with its current clock, a resourceVersion it has already handed out to a list
  // or an earlier event, and a watch resumed from that version never sees the change.
  it('a late change is stamped past every published resourceVersion, so a resumed watch still gets it', () => {
    const c = new Cluster();
    c.index.setObject('namespaces', { metadata: { name: 'a', resourceVersion: '10' } });
    c.index.setRole('ClusterRole', { metadata: { name: 'view', resourceVersion: '11' }, rules: [rules.getNamespaces()] });
    c.index.markSynced();
    const open = new WatchClient(c.index, { user: alice });
    // A list now: no items, resourceVersion 11.
    expect(c.visible('namespaces', alice)).toEqual([]);
    const listRv = c.index.resourceVersion;
    expect(listRv).toBe(11);
    // The lagging RoleBinding informer delivers a binding created at revision 9.
    c.index.setBinding({
      metadata: { name: 'rb', namespace: 'a', resourceVersion: '9' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [userSubject('alice')],
    });
    expect(c.visible('namespaces', alice)).toEqual(['a']);
    expect(open.log).toEqual(['ADDED a@12']); // one past the version the list returned
    // The client that listed at 11 now watches from 11, as every reflector does.
    const resumed = new WatchClient(c.index, { user: alice, resumeFrom: listRv });
    expect(resumed.log).toEqual(['ADDED a@12']);
  });
});

describe('openWatch: one resourceVersion per object state', () => {
  const own = (o: KubeObject) => String(o.metadata.resourceVersion);

  it('a grant shows the object at its own resourceVersion, then one resume marker at the grant\'s', () => {
    const c = cluster();
    const w = new WatchClient(c.index, { user: alice });
    const a = c.namespaces.get('a')!;
    const rb = c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}@${own(e.object)}`)).toEqual([`ADDED a@${own(a)}`]);
    expect(own(a)).not.toBe(String(rb.metadata.resourceVersion));
    expect(w.resumes).toEqual([{ rv: Number(rb.metadata.resourceVersion), afterEvents: 1 }]);
  });

  it('one marker after all the events of a record, none after a record whose events carry its version', () => {
    const c = cluster();
    const w = new WatchClient(c.index, { user: alice });
    const crb = c.clusterRoleBinding('all', 'view', [userSubject('alice')]);
    expect(w.log.map((l) => l.split('@')[0])).toEqual(['ADDED a', 'ADDED b', 'ADDED c']);
    expect(w.events.map((e) => own(e.object))).toEqual(['a', 'b', 'c'].map((n) => own(c.namespaces.get(n)!)));
    expect(w.resumes).toEqual([{ rv: Number(crb.metadata.resourceVersion), afterEvents: 3 }]);
    c.namespace('b', { labels: { env: 'staging' } });
    c.namespace('d');
    expect(w.log.slice(3).map((l) => l.split('@')[0])).toEqual(['MODIFIED b', 'ADDED d']);
    expect(w.resumes).toHaveLength(1);
  });

  it('a late change (stamped past its own version) is followed by a marker at its stamp', () => {
    const c = new Cluster();
    c.index.setObject('namespaces', { metadata: { name: 'a', resourceVersion: '10' } });
    c.index.setRole('ClusterRole', { metadata: { name: 'view', resourceVersion: '11' }, rules: [rules.getNamespaces()] });
    c.index.markSynced();
    const w = new WatchClient(c.index, { user: alice });
    c.index.setBinding({
      metadata: { name: 'rb', namespace: 'a', resourceVersion: '9' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [userSubject('alice')],
    });
    c.index.setObject('namespaces', { metadata: { name: 'a', resourceVersion: '8', labels: { late: 'yes' } } });
    expect(w.events.map((e) => `${e.type}@${own(e.object)}`)).toEqual(['ADDED@10', 'MODIFIED@8']);
    expect(w.resumes).toEqual([{ rv: 12, afterEvents: 1 }, { rv: 13, afterEvents: 2 }]);
  });

  it('resumed from the last object\'s version (no markers), a watch may get events again but never misses one', () => {
    const c = cluster();
    const open = new WatchClient(c.index, { user: alice });
    c.namespace('d');
    c.roleBinding('d', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    const seen = open.events.length;
    const lastOwn = Number(open.events[seen - 1]!.object.metadata.resourceVersion);
    c.namespace('d', { labels: { env: 'dev' } });
    c.clusterRoleBinding('all', 'view', [userSubject('alice')]);
    c.deleteRoleBinding('d', 'rb');
    // The client saw `seen` events; it resumes from the last one's own version, older than its record's.
    const resumed = new WatchClient(c.index, { user: alice, resumeFrom: lastOwn });
    expect(resumed.start.ok).toBe(true);
    const missed = open.log.slice(seen);
    expect(resumed.log.slice(-missed.length)).toEqual(missed);
    expect(resumed.log.length).toBeGreaterThan(missed.length);
    // From the marker instead, exactly the missed events.
    const marker = open.resumes.filter((m) => m.afterEvents <= seen).at(-1)!;
    expect(marker.afterEvents).toBe(seen);
    const exact = new WatchClient(c.index, { user: alice, resumeFrom: marker.rv, initial: new Map(open.events.slice(0, seen).map((e) => [e.object.metadata.name, e.object])) });
    expect(exact.log).toEqual(missed);
    expect(exact.violations).toEqual([]);
    expect(exact.names()).toEqual(open.names());
  });
});

describe('openWatch: memory per watch', () => {
  it('watches of one user share the cached grants until a grant change reaches them, each then seeing it once', () => {
    const c = cluster();
    const beforeGrant = c.rv;
    c.roleBinding('a', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    const watches = Array.from({ length: 20 }, () => new WatchClient(c.index, { user: alice }));
    const mid = c.rv;
    // A watch resuming from before the grant rewinds its own copy, not the one the others share.
    const resumed = new WatchClient(c.index, { user: alice, resumeFrom: beforeGrant });
    expect(resumed.start.ok).toBe(true);
    expect(resumed.names()).toEqual(['a']);
    const rb = c.roleBinding('b', 'rb', 'ClusterRole/view', [userSubject('alice')]);
    c.deleteRoleBinding('a', 'rb');
    for (const w of [...watches, resumed]) {
      expect(w.names()).toEqual(['b']);
      expect(w.violations).toEqual([]);
    }
    expect(watches[0]!.log.slice(1)).toEqual([`ADDED b@${String(rb.metadata.resourceVersion)}`, `DELETED a@${c.rv}`]);
    expect(c.index.view('namespaces', alice).counter.allows('b')).toBe(true);
    expect(c.index.view('namespaces', alice).counter.allows('a')).toBe(false);
    // A new watch after the changes starts from the index's view, untouched by the watchers' replays.
    expect(new WatchClient(c.index, { user: alice }).names()).toEqual(['b']);
    expect(mid).toBeLessThan(c.rv);
    for (const w of [...watches, resumed]) w.close();
  });
});
