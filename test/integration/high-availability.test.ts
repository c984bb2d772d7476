// Two replicas, and the leader stops while tenants create spaces and pods: the controllers move to the
// other replica within the lease time, and no create is lost or done twice. Space creates go to both
// replicas (the stopping one drains what it accepted); pods are admitted by the registered replica's
// webhook, and their quota is exact across the switch.
import { stopComponent } from '../cluster/component.js';
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { restartServer, startExtraServer } from '../cluster/sandbox.js';
import type { DirectResponse } from '../support/sandbox-access.js';
import { leaseHolder, pidOf } from '../support/leader-lease.js';
import { direct, eventually, frontProxyCredentials, sandboxState, viaApiserver } from '../support/sandbox-access.js';

const run = Date.now().toString(36);
const ACCOUNT = `ha-${run}`;
const USER = `ha-user-${run}`;
const SPACES = '/apis/tenancy.kiosk.sh/v1alpha1/spaces';
const LEASE_DURATION_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome = { name: string; status: number; message?: string } | { name: string; error: string };

function createSpace(name: string, port?: number): Promise<Outcome> {
  return direct({
    method: 'POST', path: SPACES, port,
    headers: { 'X-Remote-User': USER, 'Content-Type': 'application/json' }, ...frontProxyCredentials(),
    body: JSON.stringify({ apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'Space', metadata: { name }, spec: { account: ACCOUNT } }),
  }).then((r: DirectResponse) => ({ name, status: r.status, message: r.status === 201 ? undefined : r.body }), (err: unknown) => ({ name, error: (err as Error).message }));
}

function createPod(name: string): Promise<Outcome> {
  return viaApiserver({
    method: 'POST', path: `/api/v1/namespaces/${ACCOUNT}-home/pods`, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }),
  }).then((r) => ({ name, status: r.status, message: r.status === 201 ? undefined : r.json<{ message: string }>().message }));
}

/** Starts `count` calls of `fn`, one every `everyMs`, and resolves with all their outcomes. */
async function paced<T>(count: number, everyMs: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const pending: Array<Promise<T>> = [];
  for (let i = 0; i < count; i++) {
    pending.push(fn(i));
    await sleep(everyMs);
  }
  return Promise.all(pending);
}

describe('a leader switch while tenants work', () => {
  beforeAll(async () => {
    await kubectlOk(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${ACCOUNT}}
spec:
  subjects: [{kind: User, name: ${USER}, apiGroup: rbac.authorization.k8s.io}]
  space: {limit: 60}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${ACCOUNT}}
spec:
  account: ${ACCOUNT}
  quota: {hard: {pods: "6"}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${USER}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kiosk-edit}
subjects: [{kind: User, name: ${USER}, apiGroup: rbac.authorization.k8s.io}]
`,
    });
    const home = await createSpace(`${ACCOUNT}-home`);
    expect(home).toEqual({ name: `${ACCOUNT}-home`, status: 201 });
  });

  it('moves the controllers within the lease time and loses or doubles no space and no pod', async () => {
    // Make the second replica the leader: start it, stop the registered one (which releases the lease
    // on SIGTERM), and once the second holds the lease start the registered one again as a follower. The
    // registered replica serves the aggregator and the webhooks throughout the switch that follows.
    const leader = await startExtraServer(sandboxState());
    let leaderStopped = false;
    try {
      await stopComponent(sandboxState().components.find((c) => c.name === 'kiosk-apiserver')!);
      expect(await eventually(async () => pidOf(await leaseHolder()) === leader.pid, 30_000, 250)).toBe(true);
      await restartServer(sandboxState());
      const follower = sandboxState().components.find((c) => c.name === 'kiosk-apiserver')!;

      let stoppedAt = 0;
      const stopping = sleep(1_000).then(async () => {
        stoppedAt = Date.now();
        await leader.stop();
        leaderStopped = true;
      });
      const tookOver = stopping.then(async () => {
        const ok = await eventually(async () => pidOf(await leaseHolder()) === follower.pid, LEASE_DURATION_MS + 5_000, 100);
        return ok ? Date.now() - stoppedAt : undefined;
      });
      const [viaLeader, viaFollower, pods] = await Promise.all([
        paced(15, 200, (i) => createSpace(`${ACCOUNT}-l${i}`, leader.port)),
        paced(15, 200, (i) => createSpace(`${ACCOUNT}-f${i}`)),
        paced(8, 350, (i) => createPod(`p${i}`)),
        stopping,
      ]);
      const takeoverMs = await tookOver;
      const answered = (list: Outcome[]) => list.filter((o) => 'status' in o).length;
      process.stderr.write(`[high-availability] controllers moved ${String(takeoverMs)} ms after SIGTERM to the leader; `
        + `stopping replica answered ${answered(viaLeader)}/15 creates (the rest refused), follower ${answered(viaFollower)}/15\n`);
      expect(takeoverMs).toBeDefined();
      expect(takeoverMs!).toBeLessThan(LEASE_DURATION_MS);

      // Every create was answered: 201, or (only on the stopped replica, after it closed its listener) a
      // refused connection. Nothing else, and no 5xx.
      const created = [...viaLeader, ...viaFollower].filter((o): o is { name: string; status: number } => 'status' in o && o.status === 201).map((o) => o.name);
      expect(viaFollower.filter((o) => !('status' in o) || o.status !== 201)).toEqual([]);
      const refused = viaLeader.filter((o) => !('status' in o));
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest types its asymmetric matchers as any
      for (const o of refused) expect(o).toEqual({ name: o.name, error: expect.stringMatching(/ECONNREFUSED|ECONNRESET|EPIPE|socket hang up/) });
      expect(viaLeader.filter((o) => 'status' in o && o.status !== 201)).toEqual([]);
      expect(viaLeader.filter((o) => 'status' in o).length).toBeGreaterThan(0);

      // Exactly the accepted spaces exist, each once, each with its account's RoleBinding; a refused
      // create left nothing behind.
      const namespaces = JSON.parse(await kubectlOk(['get', 'ns', '-l', `kiosk.sh/account=${ACCOUNT}`, '-o', 'json'])) as { items: Array<{ metadata: { name: string } }> };
      expect(namespaces.items.map((n) => n.metadata.name).sort()).toEqual([`${ACCOUNT}-home`, ...created].sort());
      for (const name of created) expect((await kubectl(['get', 'rolebinding', `kiosk-account-${ACCOUNT}`, '-n', name])).code).toBe(0);

      // Pods: the quota holds across the switch, exactly six admitted and the rest denied by it.
      const admitted = pods.filter((p) => 'status' in p && p.status === 201);
      expect(admitted).toHaveLength(6);
      for (const p of pods.filter((x) => !admitted.includes(x))) {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest types its asymmetric matchers as any
        expect(p).toEqual({ name: p.name, status: 403, message: expect.stringContaining(`exceeded quota: ${ACCOUNT}, requested: pods=1, used: pods=6, limited: pods=6`) });
      }
      const podNames = JSON.parse(await kubectlOk(['get', 'pods', '-n', `${ACCOUNT}-home`, '-o', 'json'])) as { items: unknown[] };
      expect(podNames.items).toHaveLength(6);

      // The new leader's controllers caught up with everything created during the switch.
      const accountSpaces = async () => {
        const a = JSON.parse(await kubectlOk(['get', 'accounts.config.kiosk.sh', ACCOUNT, '-o', 'json'])) as { status?: { namespaces?: Array<{ name: string }> } };
        return (a.status?.namespaces ?? []).map((n) => n.name).sort();
      };
      expect(await eventually(async () => JSON.stringify(await accountSpaces()) === JSON.stringify([`${ACCOUNT}-home`, ...created].sort()), 20_000, 250)).toBe(true);
      const quotaUsed = async () => (await kubectl(['get', 'accountquota', ACCOUNT, '-o', 'jsonpath={.status.total.used.pods}'])).stdout;
      expect(await eventually(async () => (await quotaUsed()) === '6', 20_000, 250)).toBe(true);
    } finally {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set from another callback, which TypeScript's narrowing does not see
      if (!leaderStopped) await leader.stop();
    }
  }, 180_000);
});
