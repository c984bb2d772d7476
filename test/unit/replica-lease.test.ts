import type { KubeClient } from '../../storage/client.js';
import { KubeApiError } from '../../storage/kube-api-error.js';
import { silentLogger } from '../../storage/logger.js';
import { ReplicaLease, replicaLeaseName } from '../../storage/replica-lease.js';

/** The one Lease read and deleted, as kube-apiserver would answer for it (a recorded exchange, not a server). */
function leaseClient(lease: () => { renewTime: string; holder: string } | undefined) {
  const calls: string[] = [];
  const client = {
    request: async (method: string, path: string) => {
      calls.push(`${method} ${String(path.split('/').pop())}`);
      const l = lease();
      if (method === 'GET') {
        if (!l) throw new KubeApiError(404, { reason: 'NotFound' }, 'not found');
        return { metadata: { name: path.split('/').pop(), resourceVersion: '5' }, spec: { holderIdentity: l.holder, leaseDurationSeconds: 10, renewTime: l.renewTime } };
      }
      return {};
    },
  } as unknown as KubeClient;
  return { client, calls };
}

describe('ReplicaLease.alive: judged by when this process saw the renewTime change', () => {
  let now: number;
  const options = { namespace: 'kiosk-system', identity: 'me_1', leaseDurationSeconds: 10, renewIntervalMs: 3000 };

  beforeEach(() => {
    now = 1_000_000;
  });

  it('a replica whose renewTime stops changing is dead a lease duration after we first saw it, whatever its clock says', async () => {
    // renewTime far in the future (a skewed clock): comparing it with ours would keep it alive for a day.
    const { client, calls } = leaseClient(() => ({ renewTime: '2099-01-01T00:00:00.000000Z', holder: 'other_2' }));
    const replicas = new ReplicaLease(client, options, silentLogger, () => now);
    expect(await replicas.alive('other_2')).toEqual({ alive: true, recheckInMs: 10_500 });
    now += 9_000;
    expect(await replicas.alive('other_2')).toEqual({ alive: true, recheckInMs: 1_500 });
    now += 1_001;
    expect(await replicas.alive('other_2')).toEqual({ alive: false });
    // Judged dead: its Lease is deleted (with the read resourceVersion as precondition).
    expect(calls.at(-1)).toBe(`DELETE ${replicaLeaseName('other_2')}`);
  });

  it('a replica that renews stays alive, however old its renewTime looks', async () => {
    let renewTime = '2000-01-01T00:00:00.000000Z';
    const { client } = leaseClient(() => ({ renewTime, holder: 'other_2' }));
    const replicas = new ReplicaLease(client, options, silentLogger, () => now);
    for (let i = 0; i < 5; i++) {
      expect((await replicas.alive('other_2')).alive).toBe(true);
      now += 8_000;
      renewTime = `2000-01-01T00:00:0${i + 1}.000000Z`;
    }
  });

  it('a missing Lease, or one held by someone else, is a replica that stopped', async () => {
    expect(await new ReplicaLease(leaseClient(() => undefined).client, options, silentLogger, () => now).alive('other_2')).toEqual({ alive: false });
    expect(await new ReplicaLease(leaseClient(() => ({ renewTime: 'x', holder: 'other_3' })).client, options, silentLogger, () => now).alive('other_2')).toEqual({ alive: false });
  });

  it('names are hashes of the identity (host_pid is no valid name)', () => {
    expect(replicaLeaseName('vm_123')).toMatch(/^kiosk-replica-[0-9a-f]{16}$/);
    expect(replicaLeaseName('vm_123')).not.toBe(replicaLeaseName('vm_124'));
  });
});
