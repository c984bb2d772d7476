import { AGE_COLUMN, NAME_COLUMN } from '../table-convertor.js';
import type { TableConvertor } from '../table-convertor.js';
import type { Account, Subject } from './types.js';

// A service account's name alone is ambiguous across namespaces, so it carries its namespace.
const subjectText = (s: Subject) => `${s.kind}:${s.kind === 'ServiceAccount' && s.namespace ? `${s.namespace}/` : ''}${s.name}`;

/** `kubectl get accounts`: NAME  SPACES  LIMIT  AGE, and with `-o wide` SUBJECTS  CLUSTER ROLE. */
export const accountTable: TableConvertor<Account> = {
  columns: [
    { ...NAME_COLUMN },
    { name: 'Spaces', type: 'integer', format: '', priority: 0, description: 'How many spaces the account owns (status.namespaces).' },
    { name: 'Limit', type: 'integer', format: '', priority: 0, description: 'The most spaces the account may own (spec.space.limit); none means unlimited.' },
    { ...AGE_COLUMN },
    { name: 'Subjects', type: 'string', format: '', priority: 1, description: 'The users, groups and service accounts of the account (spec.subjects).' },
    {
      name: 'Cluster Role', type: 'string', format: '', priority: 1,
      description: 'The ClusterRole the subjects are bound to in each space of the account (spec.space.clusterRole, admin when unset).',
    },
  ],
  cells: (account) => {
    const subjects = account.spec.subjects ?? [];
    // Unset means Kiosk's default "admin"; an explicit "" means no binding, shown as <none>.
    const clusterRole = account.spec.space?.clusterRole ?? 'admin';
    return [
      account.metadata.name ?? '',
      account.status?.namespaces?.length ?? 0,
      account.spec.space?.limit ?? null,
      account.metadata.creationTimestamp ?? null,
      subjects.length ? subjects.map(subjectText).join(',') : null,
      clusterRole || null,
    ];
  },
};
