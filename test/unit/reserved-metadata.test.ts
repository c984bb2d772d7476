// Reserved label and annotation prefixes on Spaces: which keys are reserved, which writes change them, and the
// reason a tenant reads.
import fc from 'fast-check';
import { DEFAULT_RESERVED_PREFIXES, ReservedMetadata } from '../../registry/space/reserved-metadata.js';

describe('ReservedMetadata', () => {
  const reserved = new ReservedMetadata([...DEFAULT_RESERVED_PREFIXES, 'example.com/', 'team-']);

  it('reserves a domain prefix with its subdomains, a plain prefix as written, and never the account label', () => {
    expect(reserved.isReserved('pod-security.kubernetes.io/enforce')).toBe(true);
    expect(reserved.isReserved('kiosk.sh/anything')).toBe(true);
    expect(reserved.isReserved('x.kiosk.sh/team')).toBe(true);
    expect(reserved.isReserved('a.b.example.com/x')).toBe(true);
    expect(reserved.isReserved('team-a')).toBe(true);
    // The account label is derived from spec.account and judged by the placement rules, not here.
    expect(reserved.isReserved('kiosk.sh/account')).toBe(false);
    // Look-alikes are not the reserved domains.
    expect(reserved.isReserved('notkiosk.sh/x')).toBe(false);
    expect(reserved.isReserved('kiosk.sh.evil.io/x')).toBe(false);
    expect(reserved.isReserved('pod-security.kubernetes.io')).toBe(false);
    expect(reserved.isReserved('app')).toBe(false);
  });

  it('finds keys set, changed and removed, except those holding what the account prescribes', () => {
    const current = { labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'kiosk.sh/gone': 'x', app: 'a' }, annotations: { 'kiosk.sh/note': 'n' } };
    const next = { labels: { 'pod-security.kubernetes.io/enforce': 'privileged', app: 'b', 'kiosk.sh/new': 'y' }, annotations: { 'kiosk.sh/note': 'n' } };
    expect(reserved.changes(current, next, {})).toEqual([
      { kind: 'label', key: 'pod-security.kubernetes.io/enforce' },
      { kind: 'label', key: 'kiosk.sh/gone' },
      { kind: 'label', key: 'kiosk.sh/new' },
    ]);
    // The account's spaceTemplate or isolation sets kiosk.sh/new to y: the server writes it, whoever asks.
    expect(reserved.changes(current, next, { labels: { 'kiosk.sh/new': 'y' } })).toHaveLength(2);
    // Removing a key the account prescribes is still a change.
    expect(reserved.changes(current, { labels: {} }, { labels: { 'kiosk.sh/gone': 'x' } })).toContainEqual({ kind: 'label', key: 'kiosk.sh/gone' });
  });

  it('names at most three keys, each cut short, and the prefixes', () => {
    const many = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ kind: 'label' as const, key: `kiosk.sh/${k}` }));
    expect(reserved.reason(many)).toBe('label "kiosk.sh/a", label "kiosk.sh/b", label "kiosk.sh/c", and 2 more: keys under '
      + 'pod-security.kubernetes.io/, kiosk.sh/, example.com/, team- are reserved; only the account\'s spaceTemplate and isolation, '
      + 'and users who may update every namespace, set or change them');
    expect(reserved.reason([{ kind: 'annotation', key: `kiosk.sh/${'x'.repeat(1_000_000)}` }]).length).toBeLessThan(400);
  });

  it('never reports a key outside the reserved prefixes, whatever the metadata', () => {
    const meta = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('kiosk.sh/a', 'pod-security.kubernetes.io/warn', 'x.kiosk.sh/b')), fc.string());
    fc.assert(fc.property(meta, meta, meta, (a, b, c) => {
      const found = reserved.changes({ labels: a }, { labels: b }, { labels: c });
      return found.every((f) => reserved.isReserved(f.key) && a[f.key] !== b[f.key] && !(Object.hasOwn(b, f.key) && c[f.key] === b[f.key]));
    }));
  });
});
