import { GrantIndex } from '../../storage/visibility/grant-index.js';
import type { BindingDelta, Grant } from '../../storage/visibility/grants.js';
import { GrantCounter, isEmptyGrant, sameGrant } from '../../storage/visibility/grants.js';
import { History } from '../../storage/visibility/history.js';

const set = (...names: string[]) => new Set(names);

describe('grants', () => {
  it.each<[string, Grant | undefined, Grant | undefined, boolean]>([
    ['both absent', undefined, undefined, true],
    ['absent and empty', undefined, set(), true],
    ['all and all', 'all', 'all', true],
    ['all and a set', 'all', set('a'), false],
    ['all and absent', 'all', undefined, false],
    ['equal sets', set('a', 'b'), set('b', 'a'), true],
    ['different sets of one size', set('a', 'b'), set('a', 'c'), false],
    ['a subset', set('a'), set('a', 'b'), false],
    ['a set and absent', set('a'), undefined, false],
  ])('sameGrant: %s', (_name, a, b, same) => {
    expect(sameGrant(a, b)).toBe(same);
    expect(sameGrant(b, a)).toBe(same);
  });

  it.each<[Grant | undefined, boolean]>([[undefined, true], [set(), true], [set('a'), false], ['all', false]])('isEmptyGrant(%p) is %p', (g, empty) => {
    expect(isEmptyGrant(g)).toBe(empty);
  });

  it('counts grants with multiplicity', () => {
    const c = new GrantCounter();
    c.add(set('a', 'b'), 1);
    c.add(set('b'), 1);
    c.add('all', 1);
    expect(c.allowsAll).toBe(true);
    c.add('all', -1);
    expect(c.allowsAll).toBe(false);
    expect([...c.grantedNames()].sort()).toEqual(['a', 'b']);
    c.add(set('b'), -1);
    expect(c.allows('b')).toBe(true);
    c.add(set('a', 'b'), -1);
    expect(c.allows('a') || c.allows('b')).toBe(false);
    expect([...c.grantedNames()]).toEqual([]);
  });

  it('applies and undoes a binding delta only for the users it concerns', () => {
    const delta: BindingDelta = {
      binding: 'RoleBinding/ns1/rb', subjectsBefore: set('user:alice'), grantBefore: set('ns1'),
      subjectsAfter: set('group:devs'), grantAfter: set('ns1'),
    };
    const alice = new GrantCounter();
    alice.add(set('ns1'), 1);
    const snapshot = alice.clone();
    expect(alice.apply(delta, set('user:alice'))).toBe(true);
    expect(alice.allows('ns1')).toBe(false);
    expect(snapshot.allows('ns1')).toBe(true);
    expect(alice.apply(delta, set('user:alice'), -1)).toBe(true);
    expect(alice.allows('ns1')).toBe(true);

    const dev = new GrantCounter();
    expect(dev.apply(delta, set('user:carol', 'group:devs'))).toBe(true);
    expect(dev.allows('ns1')).toBe(true);
    expect(new GrantCounter().apply(delta, set('user:bob'))).toBe(false);
  });
});

describe('GrantIndex', () => {
  it('returns a delta only when a grant or its subjects change', () => {
    const g = new GrantIndex();
    expect(g.set('b1', set('user:a'), undefined)).toBeUndefined();
    expect(g.set('b1', set('user:a'), set())).toBeUndefined();
    expect(g.set('b1', set(), 'all')).toBeUndefined();
    expect(g.set('b1', set('user:a'), set('x'))).toEqual({
      binding: 'b1', subjectsBefore: set(), grantBefore: undefined, subjectsAfter: set('user:a'), grantAfter: set('x'),
    });
    expect(g.set('b1', set('user:a'), set('x'))).toBeUndefined();
    expect(g.set('b1', set('user:a', 'group:g'), set('x'))).toMatchObject({ subjectsBefore: set('user:a'), subjectsAfter: set('user:a', 'group:g') });
    expect(g.set('b1', set('user:a', 'group:g'), 'all')).toMatchObject({ grantBefore: set('x'), grantAfter: 'all' });
    expect(g.size).toBe(1);
    expect(g.delete('b1')).toMatchObject({ grantBefore: 'all', grantAfter: undefined, subjectsAfter: set() });
    expect(g.delete('b1')).toBeUndefined();
    expect(g.size).toBe(0);
  });

  it('unites the grants reaching a user, counting a binding once even when it names them twice', () => {
    const g = new GrantIndex();
    g.set('b1', set('user:a', 'group:g'), set('x'));
    g.set('b2', set('group:g'), set('y'));
    g.set('b3', set('user:other'), 'all');
    const c = g.counterFor(set('user:a', 'group:g'));
    expect(c.allowsAll).toBe(false);
    expect([...c.grantedNames()].sort()).toEqual(['x', 'y']);
    c.add(set('x'), -1);
    expect(c.allows('x')).toBe(false);
    expect(g.counterFor(set('user:other')).allowsAll).toBe(true);
    g.set('b1', set('user:z'), set('x'));
    expect([...g.counterFor(set('user:a', 'group:g')).grantedNames()]).toEqual(['y']);
  });
});

describe('History', () => {
  const rec = (rv: number) => ({ rv, change: { kind: 'grants' as const, deltas: { namespaces: [], accounts: [] } } });
  const rvs = (records: Array<{ rv: number }> | undefined) => records?.map((r) => r.rv);

  it('returns the records after a version, oldest first', () => {
    const h = new History<unknown>(10);
    for (const rv of [3, 5, 8]) h.append(rec(rv));
    expect(rvs(h.since(0))).toEqual([3, 5, 8]);
    expect(rvs(h.since(4))).toEqual([5, 8]);
    expect(rvs(h.since(5))).toEqual([8]);
    expect(rvs(h.since(8))).toEqual([]);
    expect(rvs(h.since(99))).toEqual([]);
  });

  it.each([1, 2, 5])('keeps a window of %i records and expires what is older', (capacity) => {
    const h = new History<unknown>(capacity);
    for (let rv = 1; rv <= 20; rv++) {
      h.append(rec(rv));
      expect(h.length).toBe(Math.min(rv, capacity));
      const floor = Math.max(0, rv - capacity);
      expect(h.oldestResumable()).toBe(floor);
      expect(rvs(h.since(floor))).toEqual(Array.from({ length: rv - floor }, (_, i) => floor + 1 + i));
      if (floor > 0) expect(h.since(floor - 1)).toBeUndefined();
    }
  });

  it('setFloor only raises the floor', () => {
    const h = new History<unknown>(10);
    h.append(rec(4));
    h.setFloor(7);
    expect(h.oldestResumable()).toBe(7);
    h.setFloor(2);
    expect(h.oldestResumable()).toBe(7);
    expect(h.since(6)).toBeUndefined();
    expect(rvs(h.since(7))).toEqual([]);
  });
});
