import type { KubeObject } from '../../storage/informers/informer.js';
import type { VisibilitySource } from '../collection-view.js';
import { CollectionView } from '../collection-view.js';
import type { Space } from './types.js';
import type { NamespaceLike } from './convert.js';
import { namespaceToSpace } from './convert.js';

export const SPACES = { group: 'tenancy.kiosk.sh', resource: 'spaces' };

/** Spaces as the requesting user sees them: a Space for each namespace RBAC lets them `get`. */
export class SpaceStorage extends CollectionView<Space> {
  constructor(source: VisibilitySource) {
    super(source, 'namespaces', SPACES, (obj: KubeObject, rv?: string) => namespaceToSpace(obj as unknown as NamespaceLike, rv),
      { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'SpaceList' });
  }
}
