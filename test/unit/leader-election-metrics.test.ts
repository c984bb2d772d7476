// leader_election_master_status{name} follows storage/LeaderElector: 0 until it takes the Lease, 1 while it
// holds it, 0 again when a renewal is refused or it stops. The elector talks to a scripted client that
// answers its Lease requests (no cluster): only the elector's state is under test here.
import { Registry } from 'prom-client';
import { registerLeaderElectionMetrics } from '../../apiserver/endpoints/leader-election-metrics.js';
import type { KubeClient } from '../../storage/client.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import { LeaderElector } from '../../storage/leader-election.js';
import { silentLogger } from '../../storage/logger.js';

/** A body to answer with, or a KubeApiError to throw. */
type Reply = unknown;

/** Answers each request with the next scripted reply for its method. */
function scriptedClient(replies: Record<string, Reply[]>): { client: KubeClient; calls: string[] } {
  const calls: string[] = [];
  const client = {
    async request(method: string, path: string) {
      calls.push(`${method} ${path}`);
      const reply = replies[method]?.shift();
      if (reply instanceof KubeApiError) throw reply;
      if (reply === undefined) throw new Error(`unexpected ${method} ${path}`);
      return reply;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const notFound = () => new KubeApiError(404, undefined, 'not found');
const conflict = () => new KubeApiError(409, undefined, 'conflict');
const lease = (holder: string, renewTime: Date) => ({
  metadata: { name: 'kiosk-controllers', namespace: 'kiosk-system', resourceVersion: '7' },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: renewTime.toISOString(), leaseTransitions: 1 },
});

async function status(registry: Registry): Promise<string> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith('leader_election_master_status')).join('\n');
}

describe('leader_election_master_status', () => {
  const make = (replies: Record<string, Reply[]>) => {
    const registry = new Registry();
    const transitions: string[] = [];
    const { client, calls } = scriptedClient(replies);
    const elector = new LeaderElector(client, {
      namespace: 'kiosk-system', name: 'kiosk-controllers', identity: 'me_1', leaseDurationSeconds: 15, renewIntervalMs: 3_600_000,
    }, silentLogger, { onStartedLeading: () => transitions.push('started'), onStoppedLeading: () => transitions.push('stopped') });
    registerLeaderElectionMetrics(registry, elector);
    // One round of acquire-or-renew, without the timer start() would arm for the next.
    const tick = async () => {
      elector['stopped'] = false;
      await elector['tick']();
      clearTimeout(elector['timer']);
    };
    return { registry, elector, tick, transitions, calls };
  };

  it('is 0 before the elector has run, labelled with the Lease name', async () => {
    const { registry } = make({});
    expect(await status(registry)).toBe('leader_election_master_status{name="kiosk-controllers"} 0');
  });

  it('flips to 1 when the Lease is taken, back to 0 when a renewal is refused, and to 1 again', async () => {
    const { registry, tick, transitions } = make({
      GET: [notFound(), lease('me_1', new Date()), lease('me_1', new Date())],
      POST: [{}],
      PUT: [conflict(), {}],
    });
    await tick(); // no Lease yet: created, held
    expect(await status(registry)).toBe('leader_election_master_status{name="kiosk-controllers"} 1');
    await tick(); // renewal refused (another replica wrote the Lease)
    expect(await status(registry)).toBe('leader_election_master_status{name="kiosk-controllers"} 0');
    await tick(); // renewed
    expect(await status(registry)).toBe('leader_election_master_status{name="kiosk-controllers"} 1');
    expect(transitions).toEqual(['started', 'stopped', 'started']);
  });

  it('stays 0 while another replica holds a fresh Lease', async () => {
    const { registry, tick, calls } = make({ GET: [lease('other_2', new Date())] });
    await tick();
    expect(calls).toEqual(['GET /apis/coordination.k8s.io/v1/namespaces/kiosk-system/leases/kiosk-controllers']);
    expect(await status(registry)).toBe('leader_election_master_status{name="kiosk-controllers"} 0');
  });

  it('goes to 0 when the elector stops (and releases the Lease)', async () => {
    const { registry, elector, tick } = make({ GET: [notFound(), lease('me_1', new Date())], POST: [{}], PUT: [{}] });
    await tick();
    expect(elector.isLeader).toBe(true);
    await elector.stop();
    expect(await status(registry)).toBe('leader_election_master_status{name="kiosk-controllers"} 0');
  });
});
