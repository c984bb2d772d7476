import type { KubeObject } from '../../storage/informers/informer.js';
import type { VisibilitySource } from '../collection-view.js';
import { CollectionView } from '../collection-view.js';
import type { Applied, Applier, ApplyOptions, Creater, DeleteOptions, Deleter, Updater, WriteContext, WriteStore } from '../write-verbs.js';
import type { Space } from './types.js';
import { SPACES } from './account-placement.js';
import { namespaceToSpace } from './convert.js';

/** Spaces as the requesting user sees them: a Space for each namespace RBAC lets them `get`. */
export class SpaceStorage extends CollectionView<Space> implements Creater<Space>, Updater<Space>, Deleter<Space>, Applier<Space> {
  constructor(source: VisibilitySource, private readonly writer: WriteStore<Space>) {
    super(source, 'namespaces', SPACES, (obj: KubeObject) => namespaceToSpace(obj),
      { apiVersion: 'tenancy.kiosk.sh/v1alpha1', kind: 'SpaceList' });
  }

  create(ctx: WriteContext, space: Space): Promise<Space> {
    return this.writer.create(ctx, withSpec(space));
  }

  update(ctx: WriteContext, name: string, space: Space): Promise<Space> {
    return this.writer.update(ctx, name, withSpec(space));
  }

  delete(ctx: WriteContext, name: string, options: DeleteOptions): Promise<Space> {
    return this.writer.delete(ctx, name, options);
  }

  apply(ctx: WriteContext, name: string, space: Space, options: ApplyOptions): Promise<Applied<Space>> {
    return this.writer.apply(ctx, name, withSpec(space), options);
  }
}

/**
 * A Space sent without `spec` (or `spec: null`, which decodes to Go's zero value) is a Space without an
 * account: an ownerless space for an admin, `spec.account: Required value` for a tenant, as in Kiosk.
 */
function withSpec(space: Omit<Space, 'spec'> & { spec?: Space['spec'] | null }): Space {
  return { ...space, spec: space.spec ?? {} };
}
