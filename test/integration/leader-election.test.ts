// Controllers run in one replica only, chosen by a Lease; when the leader stops, another replica takes
// over by itself. (Every replica keeps serving the API and the webhooks.)
import { kubectl, kubectlOk } from '../cluster/kubectl.js';
import { readState, restartServer, startExtraServer } from '../cluster/sandbox.js';
import { stopComponent } from '../cluster/component.js';
import { leaseHolder, pidOf } from '../support/leader-lease.js';
import { eventually, sandboxState } from '../support/sandbox-access.js';

const run = Date.now().toString(36);

describe('leader election of the controllers', () => {
  afterAll(async () => {
    // Leave the sandbox's registered server running as it was.
    const state = await readState();
    if (state && !state.components.some((c) => c.name === 'kiosk-apiserver')) await restartServer(state);
  }, 90_000);

  it('hands the controllers to another replica when the leader stops', async () => {
    const state = sandboxState();
    const registered = state.components.find((c) => c.name === 'kiosk-apiserver')!;
    expect(await eventually(async () => pidOf(await leaseHolder()) === registered.pid, 30_000, 500)).toBe(true);

    const acct = `le-${run}`;
    await kubectlOk(['apply', '-f', '-'], {
      stdin: `apiVersion: config.kiosk.sh/v1alpha1\nkind: Account\nmetadata: {name: ${acct}}\nspec:\n  subjects: [{kind: User, name: le-user, apiGroup: rbac.authorization.k8s.io}]\n`,
    });
    const second = await startExtraServer(state);
    try {
      // A follower does not take the lease while the leader renews it.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(pidOf(await leaseHolder())).toBe(registered.pid);

      const started = Date.now();
      await stopComponent(registered);
      // The leader released the lease on SIGTERM: the follower takes it at its next try.
      expect(await eventually(async () => pidOf(await leaseHolder()) === second.pid, 20_000, 250)).toBe(true);
      expect(Date.now() - started).toBeLessThan(20_000);

      // The new leader's controllers work: a namespace labelled into the account gets its RoleBinding.
      // (A namespace, not a new Account: Account writes go through the validate-account webhook, which
      // in the sandbox only the stopped process serves; on a cluster the Service reaches the other.)
      await kubectlOk(['create', 'namespace', `${acct}-adopted`]);
      await kubectlOk(['label', 'namespace', `${acct}-adopted`, `kiosk.sh/account=${acct}`]);
      expect(await eventually(async () => (await kubectl(['get', 'rolebinding', `kiosk-account-${acct}`, '-n', `${acct}-adopted`])).code === 0, 15_000)).toBe(true);
    } finally {
      await restartServer(sandboxState());
      await second.stop();
    }
    // The restarted registered server takes over again once the second one is gone.
    const restarted = sandboxState().components.find((c) => c.name === 'kiosk-apiserver')!;
    expect(await eventually(async () => pidOf(await leaseHolder()) === restarted.pid, 30_000, 500)).toBe(true);
  }, 120_000);
});
