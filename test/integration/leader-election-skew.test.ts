// Leader election with clocks that disagree: two electors in this process campaign for a Lease on the real
// control plane, one with its wall clock 30 s ahead, one 30 s behind. Expiry is judged by when each saw the
// Lease change on its own monotonic clock (as client-go does), so the skew makes no difference: the one
// that leads keeps leading while it renews, the other never leads at the same time, and takes over once
// the leader lets go.
import { sandboxPaths } from '../cluster/paths.js';
import { KubeClient } from '../../storage/client.js';
import type { Clock } from '../../storage/leader-election.js';
import { LeaderElector } from '../../storage/leader-election.js';
import { createLogger } from '../../storage/logger.js';
import { eventually } from '../support/sandbox-access.js';

const NAMESPACE = 'default';
const LEASE_SECONDS = 5;
const RENEW_MS = 300;

const skewed = (offsetMs: number): Clock => ({ monotonicMs: () => performance.now(), wall: () => new Date(Date.now() + offsetMs) });

describe('leader election with skewed clocks', () => {
  let client: KubeClient;
  beforeAll(async () => { client = await KubeClient.fromKubeconfig(sandboxPaths().adminKubeconfig); });
  const lease = `skew-${Date.now().toString(36)}`;
  const log = createLogger(() => undefined);
  const electors: LeaderElector[] = [];

  const elector = (identity: string, offsetMs: number) => {
    const e = new LeaderElector(client, {
      namespace: NAMESPACE, name: lease, identity, leaseDurationSeconds: LEASE_SECONDS, renewIntervalMs: RENEW_MS, clock: skewed(offsetMs),
    }, log, { onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    electors.push(e);
    return e;
  };

  afterAll(async () => {
    for (const e of electors) await e.stop();
    await client.request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${lease}`).catch(() => undefined);
  });

  it.each([
    ['behind', 'ahead', -30_000, 30_000],
    ['ahead', 'behind', 30_000, -30_000],
  ])('one leader when the leader\'s clock is 30 s %s and the follower\'s %s', async (leaderSkew, _followerSkew, leaderOffset, followerOffset) => {
    const leader = elector(`leader-${leaderSkew}`, leaderOffset);
    leader.start();
    expect(await eventually(async () => leader.isLeader, 30_000, 50)).toBe(true);

    const follower = elector(`follower-${leaderSkew}`, followerOffset);
    follower.start();
    // Watch both for two lease durations of renewals: never two leaders, and no take-over while the
    // leader renews (with renewTime compared to a skewed clock the follower took the lease at its first try).
    let samples = 0;
    let both = 0;
    let followerLed = 0;
    const until = performance.now() + 2 * LEASE_SECONDS * 1000;
    while (performance.now() < until) {
      if (leader.isLeader && follower.isLeader) both++;
      if (follower.isLeader) followerLed++;
      samples++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(samples).toBeGreaterThan(10);
    expect(both).toBe(0);
    expect(followerLed).toBe(0);
    expect(leader.isLeader).toBe(true);

    // The leader lets go; the follower takes over, and the two never lead together.
    await leader.stop();
    expect(leader.isLeader).toBe(false);
    expect(await eventually(async () => follower.isLeader, 30_000, 50)).toBe(true);
    await follower.stop();
  }, 90_000);
});
