import type { AccountSource, CreateLiveness } from '../../registry/account/controller.js';
import { AccountController } from '../../registry/account/controller.js';
import type { SpaceFacts } from '../../registry/account/space-readiness.js';
import { decideSpace, templateState } from '../../registry/account/space-readiness.js';
import type { Account } from '../../registry/account/types.js';
import { createLiveness } from '../../registry/space/create-liveness.js';
import { CREATE_DEADLINE_MS, CreatesInFlight, creatingMark, withMarkOf } from '../../registry/space/creating-mark.js';
import { recordingAccountWriter } from '../support/recording-account-writer.js';
import { silentLogger } from '../../storage/logger.js';

const deployed = (template: string) => ({ template, status: 'Deployed' });
const failed = (template: string) => ({ template, status: 'Failed' });
const pending = (template: string) => ({ template });
const facts = (over: Partial<SpaceFacts>): SpaceFacts => ({ mandatory: ['base'], instances: [], mark: undefined, bound: false, rollout: true, ...over });
const dead = { mark: { creator: 'host_1' }, create: { live: false } };

describe('decideSpace: the tenant is bound only where the mandatory templates are deployed', () => {
  it.each<[string, Partial<SpaceFacts>, ReturnType<typeof decideSpace>]>([
    // Complete namespaces, and Kiosk's own (no mark): bound once their instances are Deployed.
    ['unmarked, deployed', { instances: [deployed('base')] }, { kind: 'bind', clearMark: false, instantiate: [] }],
    ['unmarked, no mandatory templates', { mandatory: [] }, { kind: 'bind', clearMark: false, instantiate: [] }],
    ['unmarked, bound before (a template added later): kept bound, rolled out', { bound: true }, { kind: 'bind', clearMark: false, instantiate: ['base'] }],
    ['unmarked, bound before, roll-out disabled', { bound: true, rollout: false }, { kind: 'bind', clearMark: false, instantiate: [] }],
    ['unmarked, roll-out disabled by the admin', { rollout: false }, { kind: 'bind', clearMark: false, instantiate: [] }],
    ['unmarked, missing: rolled out, not bound', {}, { kind: 'complete', instantiate: ['base'] }],
    ['unmarked, pending', { instances: [pending('base')] }, { kind: 'wait', why: 'its mandatory templates are not deployed yet' }],
    ['unmarked, failed: never bound, never deleted', { instances: [failed('base')] }, { kind: 'wait', why: 'mandatory template base failed' }],
    ['unmarked, one of two deployed', { mandatory: ['base', 'net'], instances: [deployed('base')] }, { kind: 'complete', instantiate: ['net'] }],
    // A create still running is its own business, even with everything deployed.
    ['marked, live', { mark: { creator: 'host_1' }, create: { live: true }, instances: [deployed('base')] }, { kind: 'wait', why: 'its create request is still running' }],
    ['marked, live, recheck', { mark: { creator: 'host_1' }, create: { live: true, recheckInMs: 5000 } }, { kind: 'wait', why: 'its create request is still running', recheckInMs: 5000 }],
    ['marked, liveness not known yet', { mark: { creator: 'host_1' } }, { kind: 'wait', why: 'its create request is still running' }],
    // A dead create: finished as it would have finished, or undone as it would have undone.
    ['marked, dead, missing', { ...dead }, { kind: 'complete', instantiate: ['base'] }],
    ['marked, dead, pending', { ...dead, instances: [pending('base')] }, { kind: 'wait', why: 'its mandatory templates are not deployed yet' }],
    ['marked, dead, deployed', { ...dead, instances: [deployed('base')] }, { kind: 'bind', clearMark: true, instantiate: [] }],
    ['marked, dead, bound already, deployed', { ...dead, bound: true, instances: [deployed('base')] }, { kind: 'bind', clearMark: true, instantiate: [] }],
    ['marked, dead, bound already, missing: not kept bound by the binding', { ...dead, bound: true }, { kind: 'complete', instantiate: ['base'] }],
    ['marked, dead, failed', { ...dead, instances: [failed('base')] }, { kind: 'delete', why: 'its create request died and mandatory template base failed' }],
    ['marked, dead, roll-out disabled still completes', { ...dead, rollout: false }, { kind: 'complete', instantiate: ['base'] }],
  ])('%s', (_name, over, expected) => {
    expect(decideSpace(facts(over))).toEqual(expected);
  });

  it('a template is Deployed if any instance of it is, Failed only if none is', () => {
    expect(templateState('base', [failed('base'), deployed('base')])).toBe('Deployed');
    expect(templateState('base', [failed('base'), pending('base')])).toBe('Failed');
    expect(templateState('base', [deployed('other')])).toBe('Missing');
  });

  it('never binds where a mandatory template is not deployed (every combination)', () => {
    const states = [undefined, 'Deployed', 'Failed', 'Pending'] as const;
    for (const s of states) for (const marked of [false, true]) for (const live of [true, false]) for (const rollout of [true, false]) {
      const decision = decideSpace(facts({
        instances: s === undefined ? [] : [s === 'Pending' ? pending('base') : { template: 'base', status: s }],
        mark: marked ? { creator: 'x' } : undefined, create: marked ? { live } : undefined, rollout,
      }));
      // Unmarked with roll-out disabled is the admin's explicit opt-out for existing spaces.
      if (decision.kind === 'bind' && !(!rollout && !marked)) expect(s).toBe('Deployed');
    }
  });
});

describe('the creating mark', () => {
  it('is read only when it says creating', () => {
    expect(creatingMark({ annotations: { 'kiosk.sh/space-phase': 'creating', 'kiosk.sh/space-creator': 'h_1' } })).toEqual({ creator: 'h_1' });
    expect(creatingMark({ annotations: { 'kiosk.sh/space-phase': 'done' } })).toBeUndefined();
    expect(creatingMark({})).toBeUndefined();
  });

  it('cannot be forged or cleared through the Space: the current mark wins', () => {
    const asked = { keep: 'me', 'kiosk.sh/space-phase': 'creating', 'kiosk.sh/space-creator': 'forged' };
    expect(withMarkOf(asked, undefined)).toEqual({ keep: 'me' });
    expect(withMarkOf({ keep: 'me' }, { 'kiosk.sh/space-phase': 'creating', 'kiosk.sh/space-creator': 'h_1', other: 'x' }))
      .toEqual({ keep: 'me', 'kiosk.sh/space-phase': 'creating', 'kiosk.sh/space-creator': 'h_1' });
    expect(withMarkOf(undefined, undefined)).toBeUndefined();
  });
});

describe('createLiveness', () => {
  const now = 1_000_000_000;
  const own = new CreatesInFlight('me_1');
  const replicas = (alive: boolean, recheckInMs?: number) => ({ alive: async () => ({ alive, ...(recheckInMs !== undefined ? { recheckInMs } : {}) }) });

  it('our own create is alive exactly while this process runs it', async () => {
    const live = createLiveness(own, replicas(true), () => now);
    own.begin('s1');
    expect(await live.isLive('s1', 'me_1', now)).toEqual({ live: true });
    own.end('s1');
    expect(await live.isLive('s1', 'me_1', now)).toEqual({ live: false });
  });

  it("another replica's create: alive while that replica is and before the deadline", async () => {
    expect(await createLiveness(own, replicas(true, 4000), () => now).isLive('s1', 'other_2', now - 1000)).toEqual({ live: true, recheckInMs: 4000 });
    expect(await createLiveness(own, replicas(false), () => now).isLive('s1', 'other_2', now - 1000)).toEqual({ live: false });
    expect(await createLiveness(own, replicas(true), () => now).isLive('s1', 'other_2', now - CREATE_DEADLINE_MS)).toEqual({ live: false });
    // An earlier process of ours (same host, other pid) is another replica: judged by its Lease.
    expect(await createLiveness(own, replicas(false), () => now).isLive('s1', 'me_0', now)).toEqual({ live: false });
    // No creator recorded: nothing can finish it.
    expect(await createLiveness(own, replicas(true), () => now).isLive('s1', '', now)).toEqual({ live: false });
  });
});

describe('AccountController with a namespace whose create died', () => {
  const account: Account = {
    apiVersion: 'config.kiosk.sh/v1alpha1', kind: 'Account', metadata: { name: 'acme', uid: 'a-1' },
    spec: { subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }], space: { templateInstances: [{ spec: { template: 'base' } }] } },
  };
  let instances: Array<{ spec: { template: string }; status?: { status: string } }>;
  let writes: string[];
  let live: boolean;
  let controller: AccountController;
  const marked = { 'kiosk.sh/space-phase': 'creating', 'kiosk.sh/space-creator': 'gone_1' };

  beforeEach(() => {
    instances = [];
    writes = [];
    live = false;
    const source: AccountSource = {
      account: () => account,
      namespacesOf: (name) => (name === 'acme' ? ['half'] : []),
      accountOfNamespace: (ns) => (ns === 'half' ? 'acme' : undefined),
      roleBindingsOf: () => [],
      networkPolicy: () => undefined,
      networkPoliciesOf: () => [],
      instancesIn: () => instances,
      namespaceCreated: () => Date.now(),
      namespace: (name) => ({ metadata: { name, uid: `uid-${name}`, annotations: marked } }),
      clusterRole: () => undefined,
      clusterRoleBinding: () => undefined,
    };
    const writer = recordingAccountWriter(writes);
    const liveness: CreateLiveness = { isLive: async () => ({ live }) };
    controller = new AccountController(source, writer, silentLogger, undefined, undefined, liveness);
  });
  afterEach(() => controller.stop());

  const reconcile = async () => {
    writes.length = 0;
    controller.onAccount(account);
    controller.start();
    await controller.idle();
    controller.stop();
    return writes.filter((w) => !w.includes('clusterrole'));
  };

  it('waits while the create is alive', async () => {
    live = true;
    expect(await reconcile()).toEqual([]);
  });

  it('completes it: instance first, binding once Deployed, then the mark cleared', async () => {
    expect(await reconcile()).toEqual(['apply templateinstances half/base']);
    instances = [{ spec: { template: 'base' } }];
    expect(await reconcile()).toEqual([]);
    instances = [{ spec: { template: 'base' }, status: { status: 'Deployed' } }];
    expect(await reconcile()).toEqual(['apply rolebindings half/kiosk-account-acme', 'patch namespaces /half']);
  });

  it('removes it when its template failed, as the create would have', async () => {
    instances = [{ spec: { template: 'base' }, status: { status: 'Failed' } }];
    expect(await reconcile()).toEqual(['delete namespaces /half']);
  });
});
