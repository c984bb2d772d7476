import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { eventually } from './sandbox-access.js';

/**
 * A tenant for AccountQuota tests: Account `acct` naming the user `<acct>-user`, AccountQuota `<acct>-quota`
 * with `hard` (for example `{ pods: '2' }`), and a Space for each of `spaces`. Resolves once every space has
 * its default ServiceAccount, which the controller manager creates and pods need.
 */
export async function quotaTenant(acct: string, spaces: string[], hard: Record<string, string>): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], {
    stdin: `apiVersion: tenancy.kiosk.sh/v1alpha1
kind: Account
metadata: {name: ${acct}}
spec: {subjects: [{kind: User, name: ${acct}-user, apiGroup: rbac.authorization.k8s.io}]}
---
apiVersion: config.kiosk.sh/v1alpha1
kind: AccountQuota
metadata: {name: ${acct}-quota}
spec: {account: ${acct}, quota: {hard: ${JSON.stringify(hard)}}}
${spaces.map((s) => `---\napiVersion: tenancy.kiosk.sh/v1alpha1\nkind: Space\nmetadata: {name: ${s}}\nspec: {account: ${acct}}\n`).join('')}`,
  });
  for (const s of spaces) {
    if (!(await eventually(async () => (await kubectl(['get', 'sa', 'default', '-n', s])).code === 0, 30_000))) {
      throw new Error(`space ${s} has no default ServiceAccount after 30 s`);
    }
  }
}
