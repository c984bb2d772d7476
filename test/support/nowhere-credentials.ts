// Credentials for a KubeClient that must never reach a cluster (a server graph built but not started): any use
// fails, as an empty client-node KubeConfig's did, without loading client-node.
import type { KubeCredentials } from '../../storage/kube-credentials.js';

export const nowhere: KubeCredentials = {
  get server(): string {
    throw new Error('the kubeconfig has no current cluster');
  },
  applyTo: () => Promise.reject(new Error('no cluster in this test')),
};
