import { AGE_COLUMN, NAME_COLUMN } from '../table-convertor.js';
import type { TableConvertor } from '../table-convertor.js';
import type { Space } from './types.js';

/** `kubectl get spaces`: NAME  ACCOUNT  STATUS  AGE. */
export const spaceTable: TableConvertor<Space> = {
  columns: [
    { ...NAME_COLUMN },
    { name: 'Account', type: 'string', format: '', priority: 0, description: 'The account that owns the space (spec.account).' },
    { name: 'Status', type: 'string', format: '', priority: 0, description: 'The phase of the space, that of its namespace: Active or Terminating.' },
    { ...AGE_COLUMN },
  ],
  cells: (space) => [
    space.metadata.name ?? '',
    space.spec.account || null,
    space.status.phase || null,
    space.metadata.creationTimestamp ?? null,
  ],
};
