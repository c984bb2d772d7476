// The index of a namespaced informer's objects by namespace: the TemplateInstances of a space, which the
// account controller reads for every space of an account on each reconcile.
import type { InformerHandlers, KubeObject } from '../../storage/informers/informer.js';
import { NamespaceIndex } from '../../storage/indexes/namespace-index.js';

describe('NamespaceIndex', () => {
  let handlers: InformerHandlers<KubeObject>;
  let index: NamespaceIndex<KubeObject>;
  const ti = (namespace: string, name: string, rv = '1'): KubeObject => ({ metadata: { name, namespace, resourceVersion: rv } });
  const names = (namespace: string) => index.objects(namespace).map((o) => o.metadata.name).sort();

  beforeEach(() => {
    index = new NamespaceIndex({
      addHandlers: (h) => {
        handlers = h;
      },
    });
  });

  it('groups by namespace', () => {
    for (const o of [ti('a', 'x'), ti('a', 'y'), ti('b', 'x')]) handlers.onAdd?.(o);
    expect(names('a')).toEqual(['x', 'y']);
    expect(names('b')).toEqual(['x']);
    expect(names('c')).toEqual([]);
  });

  it('an update replaces the object', () => {
    handlers.onAdd?.(ti('a', 'x'));
    handlers.onUpdate?.(ti('a', 'x'), ti('a', 'x', '2'));
    expect(index.objects('a')).toEqual([ti('a', 'x', '2')]);
  });

  it('a delete removes it, and only it', () => {
    handlers.onAdd?.(ti('a', 'x'));
    handlers.onAdd?.(ti('a', 'y'));
    handlers.onDelete?.(ti('a', 'x'));
    expect(names('a')).toEqual(['y']);
    handlers.onDelete?.(ti('a', 'y'));
    handlers.onDelete?.(ti('a', 'gone'));
    expect(names('a')).toEqual([]);
  });
});
