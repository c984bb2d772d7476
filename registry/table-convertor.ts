/**
 * What a resource shows in `kubectl get`: its meta.k8s.io TableColumnDefinitions and the cells of one
 * object. Declared here, not in apiserver/encoding, because registry must not import apiserver; the
 * encoding layer (apiserver/encoding/table.ts) builds the Table from it.
 */

/** TableColumnDefinition.type: an OpenAPI type, or `date`. */
export type TableColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

/** metav1.TableColumnDefinition. */
export interface TableColumn {
  name: string;
  type: TableColumnType;
  /** OpenAPI format; `name` marks the column kubectl prefixes with the kind. */
  format: string;
  description: string;
  /** 0 shows by default; greater than 0 only with `-o wide`. */
  priority: number;
}

/**
 * Columns plus the cells of one object, in the same order (`cells().length === columns.length`).
 * A `null` cell prints as `<none>`. A `date` column's cell is the RFC 3339 timestamp itself (or null):
 * the encoding renders it as an age (`5m12s`, `<unknown>`), as CRD printer columns do, so the
 * convertor needs no clock. `now` (ms since the epoch) is there for cells that do.
 */
export interface TableConvertor<T> {
  columns: TableColumn[];
  cells(obj: T, now: number): unknown[];
}

/** The Name column, with ObjectMeta.name's documentation as upstream's convertors use it. */
export const NAME_COLUMN: Readonly<TableColumn> = Object.freeze({
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may '
    + 'allow a client to request the generation of an appropriate name automatically. Name is primarily intended for '
    + 'creation idempotence and configuration definition. Cannot be updated. More info: '
    + 'https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
});

/** The Age column, with ObjectMeta.creationTimestamp's documentation as upstream's convertors use it. */
export const AGE_COLUMN: Readonly<TableColumn> = Object.freeze({
  name: 'Age', type: 'date', format: '', priority: 0,
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not '
    + 'guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is '
    + 'represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: '
    + 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
});
