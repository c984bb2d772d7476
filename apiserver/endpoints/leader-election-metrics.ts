import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** What the gauge reads: the Lease's name and whether this replica holds it (storage/LeaderElector). */
export interface LeaderStatus {
  readonly name: string;
  readonly isLeader: boolean;
}

/**
 * client-go's leader election gauge (k8s.io/client-go/tools/leaderelection, as kube-controller-manager
 * exposes it): `leader_election_master_status{name}` is 1 while this replica holds the Lease, else 0,
 * read from the elector when scraped.
 */
export function registerLeaderElectionMetrics(metrics: Registry, elector: LeaderStatus): void {
  new Gauge({
    name: 'leader_election_master_status', labelNames: ['name'], registers: [metrics],
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease. Please make sure to group by name.',
    collect() {
      this.set({ name: elector.name }, elector.isLeader ? 1 : 0);
    },
  });
}
