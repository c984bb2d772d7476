import { kubectl } from '../cluster/kubectl.js';

/** The identity holding the controllers' Lease (`<hostname>_<pid>`), or '' when none. */
export async function leaseHolder(): Promise<string> {
  return (await kubectl(['get', 'lease', 'kiosk-controllers', '-n', 'kiosk-system', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
}

/** The process id in a holder identity. */
export const pidOf = (identity: string) => Number(identity.split('_').pop());
