import type { KubectlResult } from '../cluster/kubectl.js';
import { runCachedBinary } from '../cluster/kubectl.js';

/** Runs the helm built into the binary cache beside the control plane; never throws on a non-zero exit. */
export function helm(args: string[]): Promise<KubectlResult> {
  return runCachedBinary('helm', args);
}
