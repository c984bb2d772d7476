// A space that moves from account "old" to account "new": the account controller removes old's RoleBinding
// there only once new's is in place (make before break), so that a subject of both accounts never loses the
// space on the way; but never keeps it for an account that will not bind the space, nor beyond a bounded wait.
import type { AccountSource } from '../../registry/account/controller.js';
import { AccountController } from '../../registry/account/controller.js';
import type { Account } from '../../registry/account/types.js';
import { recordingAccountWriter } from '../support/recording-account-writer.js';
import { silentLogger } from '../../storage/logger.js';

const subjects = [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }];
const account = (name: string, clusterRole?: string): Account => ({
  apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name, uid: `uid-${name}` },
  spec: { subjects, ...(clusterRole === undefined ? {} : { space: { clusterRole } }) },
});
const binding = (ns: string, acct: string) => ({
  metadata: { name: `kiosk-account-${acct}`, namespace: ns, labels: { 'kiosk.sh/account': acct } }, roleRef: { name: 'admin' }, subjects,
});

describe('AccountController: a space moving to another account', () => {
  let accounts: Map<string, Account>;
  /** The RoleBindings by account, as the informer holds them. */
  let bindings: Map<string, Array<ReturnType<typeof binding>>>;
  let writes: string[];
  let clock: number;
  let controller: AccountController;

  beforeEach(() => {
    accounts = new Map([['old', account('old')], ['new', account('new')]]);
    // The space "s" is labelled with "new" already; only "old" has bound it so far.
    bindings = new Map([['old', [binding('s', 'old')]], ['new', []]]);
    writes = [];
    clock = 1_000_000;
    const source: AccountSource = {
      account: (name) => accounts.get(name),
      namespacesOf: (name) => (name === 'new' ? ['s'] : []),
      accountOfNamespace: (ns) => (ns === 's' ? 'new' : undefined),
      roleBindingsOf: (name) => bindings.get(name) ?? [],
      networkPolicy: () => undefined,
      networkPoliciesOf: () => [],
      instancesIn: () => [],
      namespaceCreated: () => 0,
      namespace: (name) => ({ metadata: { name, uid: `uid-${name}` } }),
      clusterRole: () => undefined,
      clusterRoleBinding: () => undefined,
    };
    const writer = recordingAccountWriter(writes);
    controller = new AccountController(source, writer, silentLogger, undefined, undefined, undefined, () => clock);
  });
  afterEach(() => { controller.stop(); });

  /** The RoleBinding writes of one reconcile of `name`. */
  const reconcile = async (name: string) => {
    writes.length = 0;
    controller.onAccount(accounts.get(name) ?? account(name));
    controller.start();
    await controller.idle();
    controller.stop();
    return writes.filter((w) => w.includes(' rolebindings '));
  };

  it('keeps the old account\'s binding until the new account\'s is there, then removes it', async () => {
    expect(await reconcile('old')).toEqual([]);
    expect(await reconcile('new')).toEqual(['apply rolebindings s/kiosk-account-new']);
    bindings.set('new', [binding('s', 'new')]);
    expect(await reconcile('old')).toEqual(['delete rolebindings s/kiosk-account-old']);
  });

  it('removes it at once when the new account will not bind the space', async () => {
    accounts.set('new', account('new', ''));
    expect(await reconcile('old')).toEqual(['delete rolebindings s/kiosk-account-old']);
  });

  it('removes it at once when the new account does not exist', async () => {
    accounts.delete('new');
    expect(await reconcile('old')).toEqual(['delete rolebindings s/kiosk-account-old']);
  });

  it('waits at most 10 s for the new binding', async () => {
    expect(await reconcile('old')).toEqual([]);
    clock += 9_999;
    expect(await reconcile('old')).toEqual([]);
    clock += 1;
    expect(await reconcile('old')).toEqual(['delete rolebindings s/kiosk-account-old']);
  });
});
