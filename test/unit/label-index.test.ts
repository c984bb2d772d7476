// The index of informer objects by a label's value: namespaces by account (the account controller's
// spaces and admission's namespacesOf) and the server's RoleBindings by account.
import type { InformerHandlers, KubeObject } from '../../storage/informers/informer.js';
import { LabelIndex } from '../../storage/indexes/label-index.js';

/** Stands in for an informer: the test plays its events. */
class FakeSource<T> {
  private readonly handlers: InformerHandlers<T>[] = [];
  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }
  add(o: T): void {
    for (const h of this.handlers) h.onAdd?.(o);
  }
  update(before: T, o: T): void {
    for (const h of this.handlers) h.onUpdate?.(before, o);
  }
  remove(o: T): void {
    for (const h of this.handlers) h.onDelete?.(o);
  }
}

const ACCOUNT = 'kiosk.sh/account';
const ns = (name: string, account?: string): KubeObject => ({ metadata: { name, ...(account !== undefined ? { labels: { [ACCOUNT]: account } } : {}) } });

describe('LabelIndex: namespaces by account', () => {
  let source: FakeSource<KubeObject>;
  let index: LabelIndex<KubeObject>;
  let moves: string[];

  beforeEach(() => {
    source = new FakeSource();
    index = new LabelIndex(source, ACCOUNT);
    moves = [];
    index.onMove((key, from, to) => moves.push(`${key}: ${from ?? '-'} -> ${to ?? '-'}`));
  });

  it('groups by the label, keys sorted, and tells a namespace\'s account', () => {
    for (const n of [ns('b', 'acme'), ns('a', 'acme'), ns('c', 'other'), ns('d')]) source.add(n);
    expect(index.keys('acme')).toEqual(['a', 'b']);
    expect(index.keys('other')).toEqual(['c']);
    expect(index.keys('nobody')).toEqual([]);
    expect(index.valueOf('a')).toBe('acme');
    expect(index.valueOf('d')).toBeUndefined();
    expect(moves).toEqual(['b: - -> acme', 'a: - -> acme', 'c: - -> other']);
  });

  it('an empty label is no account', () => {
    source.add(ns('a', ''));
    expect(index.keys('')).toEqual([]);
    expect(index.valueOf('a')).toBeUndefined();
    expect(moves).toEqual([]);
  });

  it('a relabelled namespace moves: both accounts hear of it, once', () => {
    source.add(ns('a', 'acme'));
    source.update(ns('a', 'acme'), ns('a', 'other'));
    expect(index.keys('acme')).toEqual([]);
    expect(index.keys('other')).toEqual(['a']);
    expect(moves).toEqual(['a: - -> acme', 'a: acme -> other']);
  });

  it('an update that keeps the label reports no move but keeps the new object', () => {
    source.add(ns('a', 'acme'));
    const newer = { metadata: { ...ns('a', 'acme').metadata, resourceVersion: '2' } };
    source.update(ns('a', 'acme'), newer);
    expect(moves).toEqual(['a: - -> acme']);
    expect(index.objects('acme')).toEqual([newer]);
  });

  it('losing the label or being deleted leaves the group', () => {
    source.add(ns('a', 'acme'));
    source.add(ns('b', 'acme'));
    source.update(ns('a', 'acme'), ns('a'));
    source.remove(ns('b', 'acme'));
    expect(index.keys('acme')).toEqual([]);
    expect(index.valueOf('a')).toBeUndefined();
    expect(index.valueOf('b')).toBeUndefined();
    expect(moves).toEqual(['a: - -> acme', 'b: - -> acme', 'a: acme -> -', 'b: acme -> -']);
  });

  it('deleting an object it never grouped reports nothing', () => {
    source.remove(ns('a', 'acme'));
    source.remove(ns('b'));
    expect(moves).toEqual([]);
  });
});

describe('LabelIndex: the server\'s RoleBindings by account', () => {
  const rb = (namespace: string, name: string, labels: Record<string, string>): KubeObject => ({ metadata: { name, namespace, labels } });
  const ours = (namespace: string, account: string) => rb(namespace, 'kiosk-account', { [ACCOUNT]: account, 'app.kubernetes.io/name': 'kiosk' });
  let source: FakeSource<KubeObject>;
  let index: LabelIndex<KubeObject>;

  beforeEach(() => {
    source = new FakeSource();
    index = new LabelIndex(source, ACCOUNT, (o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'kiosk');
  });

  it('keeps only the bindings the server made, keyed by namespace and name', () => {
    source.add(ours('space-a', 'acme'));
    source.add(ours('space-b', 'acme'));
    source.add(rb('space-a', 'someone-elses', { [ACCOUNT]: 'acme' }));
    expect(index.keys('acme')).toEqual(['space-a/kiosk-account', 'space-b/kiosk-account']);
    expect(index.objects('acme').map((o) => o.metadata.namespace).sort()).toEqual(['space-a', 'space-b']);
  });

  it('a binding that stops being ours leaves; one of the same name in another namespace stays', () => {
    source.add(ours('space-a', 'acme'));
    source.add(ours('space-b', 'acme'));
    source.update(ours('space-a', 'acme'), rb('space-a', 'kiosk-account', { [ACCOUNT]: 'acme' }));
    expect(index.keys('acme')).toEqual(['space-b/kiosk-account']);
    source.remove(ours('space-b', 'acme'));
    expect(index.objects('acme')).toEqual([]);
  });
});
