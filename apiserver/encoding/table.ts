/**
 * Content negotiation for reads and the meta.k8s.io shapes it can ask for: Table (kubectl get) and
 * PartialObjectMetadata[List] (metadata informers, e.g. the garbage collector). Mirrors
 * k8s.io/apiserver/pkg/endpoints/handlers/response.go and handlers/negotiation.
 */
import { badRequest, notAcceptable } from '../../storage/apimachinery/errors.js';
import type { ListMeta, ObjectMeta } from '../../storage/apimachinery/object-meta.js';
import type { TableColumn, TableConvertor } from '../../registry/table-convertor.js';
import { ageOf } from './human-duration.js';
import { parseAccept } from './media-type.js';

export type { TableColumn, TableColumnType, TableConvertor } from '../../registry/table-convertor.js';

/** The meta.k8s.io versions that carry Table and PartialObjectMetadata. */
export type MetaVersion = 'v1' | 'v1beta1';

/** TableOptions.includeObject: what `rows[].object` holds. */
export type IncludeObject = 'Metadata' | 'Object' | 'None';

/** Anything with ObjectMeta. */
export interface WithMetadata {
  metadata: ObjectMeta;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: `meta.k8s.io/${MetaVersion}`;
  metadata: ObjectMeta;
}

export interface PartialObjectMetadataList {
  kind: 'PartialObjectMetadataList';
  apiVersion: `meta.k8s.io/${MetaVersion}`;
  metadata: ListMeta;
  items: PartialObjectMetadata[];
}

export interface TableRow {
  cells: unknown[];
  /** PartialObjectMetadata, the full object, or absent, per includeObject. */
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: `meta.k8s.io/${MetaVersion}`;
  metadata: ListMeta;
  /** null after the first event of a watch (upstream's NoHeaders), so kubectl prints the header once. */
  columnDefinitions: TableColumn[] | null;
  rows: TableRow[];
}

export interface TableOptions {
  version: MetaVersion;
  includeObject: IncludeObject;
  withHeaders: boolean;
  /** The clock for ages, in ms since the epoch. */
  now: number;
}

/** ListMeta without absent fields, as Go's omitempty writes it. */
function listMetaOf(meta: ListMeta): ListMeta {
  const out: ListMeta = {};
  if (meta.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta.continue) out.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) out.remainingItemCount = meta.remainingItemCount;
  return out;
}

/** meta.AsPartialObjectMetadata: all of ObjectMeta (labels and ownerReferences matter to kubectl and the GC). */
export function toPartialObjectMetadata(obj: WithMetadata, version: MetaVersion = 'v1'): PartialObjectMetadata {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: { ...obj.metadata } };
}

/**
 * asPartialObjectMetadataList. `items` is `[]` when empty (upstream would write null here; the
 * contract, and every client, prefers an empty array).
 */
export function toPartialObjectMetadataList(items: readonly WithMetadata[], listMeta: ListMeta, version: MetaVersion = 'v1'): PartialObjectMetadataList {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMetaOf(listMeta),
    items: items.map((item) => toPartialObjectMetadata(item, version)),
  };
}

/**
 * Builds a Table of `objects` (one object for a get or a watch event). `date` cells, which convertors
 * give as RFC 3339 timestamps, become ages relative to `options.now`.
 * @throws Error when a convertor returns the wrong number of cells (a bug: kubectl would misprint).
 */
export function toTable<T extends WithMetadata>(objects: readonly T[], listMeta: ListMeta, convertor: TableConvertor<T>,
  options: TableOptions): Table {
  const { columns } = convertor;
  const apiVersion = `meta.k8s.io/${options.version}` as const;
  const rows = objects.map((obj): TableRow => {
    const cells = convertor.cells(obj, options.now);
    if (cells.length !== columns.length) {
      throw new Error(`table convertor returned ${cells.length} cells for ${columns.length} columns`);
    }
    const rendered = cells.map((cell, i) => (columns[i]?.type === 'date' && (typeof cell === 'string' || cell === null || cell === undefined)
      ? ageOf(cell, options.now)
      : cell ?? null));
    switch (options.includeObject) {
      case 'Metadata': return { cells: rendered, object: toPartialObjectMetadata(obj, options.version) };
      case 'Object': return { cells: rendered, object: obj };
      case 'None': return { cells: rendered };
    }
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata: listMetaOf(listMeta),
    columnDefinitions: options.withHeaders ? columns.map((c) => ({ ...c })) : null,
    rows,
  };
}

/**
 * The `includeObject` query parameter of a Table request; absent or empty means `Metadata`.
 * @throws StatusError 400 with upstream's message for any other value.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  if (value === undefined || value === null || value === '') return 'Metadata';
  if (value === 'Metadata' || value === 'Object' || value === 'None') return value;
  // ValidateTableOptions' field error: the value is a named string type, so it is printed as JSON.
  throw badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(value)}: `
    + "must be 'Metadata', 'Object', 'None', or empty");
}

/** What to encode a read as. `partial` means PartialObjectMetadataList for a list, else PartialObjectMetadata. */
export type OutputTarget = { kind: 'json' } | { kind: 'table'; version: MetaVersion } | { kind: 'partial'; version: MetaVersion };

/**
 * The media types of our serializers, listed in 406 messages. Upstream lists its serializers' plain
 * media types here (MediaTypesForSerializer), not the `as=` variants; we serialize only JSON.
 */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = Object.freeze(['application/json']);

const isMetaVersion = (v: string | undefined): v is MetaVersion => v === 'v1' || v === 'v1beta1';

/**
 * Picks the first media range of `Accept` we can honor, in preference order (q, then specific before
 * wildcard, then position), as negotiation.NegotiateMediaTypeOptions does: JSON (`application/json`,
 * `application/*`, `*\/*`), optionally converted with `as`/`g`/`v` to meta.k8s.io Table or
 * PartialObjectMetadata[List]; ranges asking for anything else (protobuf, yaml, `as=Foo`,
 * `stream` other than `watch`) are skipped. No header means JSON.
 *
 * A watch transforms single objects: pass `isList: false` for it. `typeName` is the Go-style type shown
 * in the list/object mismatch message (default: what CRDs show).
 * @throws StatusError 406 NotAcceptable when nothing is acceptable, or when PartialObjectMetadata is asked
 *   for a list (or PartialObjectMetadataList for a single object), worded as upstream.
 */
export function negotiateOutput(acceptHeader: string | undefined, options: { isList: boolean; typeName?: string }): OutputTarget {
  const ranges = parseAccept(acceptHeader)
    .map((range, index) => {
      const [type = '', subtype = '*'] = range.type.split('/', 2);
      return { ...range, mainType: type, subtype, index };
    })
    // goautoneg orders by q, then a specific type or subtype before a wildcard; position breaks ties.
    .sort((a, b) => b.q - a.q || wildcardRank(a) - wildcardRank(b) || a.index - b.index);
  for (const range of ranges) {
    const jsonish = (range.mainType === 'application' && (range.subtype === 'json' || range.subtype === '*'))
      || (range.mainType === '*' && range.subtype === '*');
    if (!jsonish) continue;
    const { as, g, v, stream } = range.params;
    if (stream && stream !== 'watch') continue;
    if (as === undefined && g === undefined && v === undefined) return { kind: 'json' };
    if (g !== 'meta.k8s.io' || !isMetaVersion(v)) continue;
    if (as === 'Table') return { kind: 'table', version: v };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      // Negotiation accepts either; upstream only finds the mismatch when transforming, so no fallback.
      const wantsList = as === 'PartialObjectMetadataList';
      if (wantsList !== options.isList) {
        const typeName = options.typeName ?? (options.isList ? '*unstructured.UnstructuredList' : '*unstructured.Unstructured');
        throw notAcceptable(wantsList
          ? `you requested PartialObjectMetadataList, but the requested object is not a list (${typeName})`
          : `you requested PartialObjectMetadata, but the requested object is a list (${typeName})`);
      }
      return { kind: 'partial', version: v };
    }
  }
  throw notAcceptable(`only the following media types are accepted: ${ACCEPTED_MEDIA_TYPES.join(', ')}`);
}

function wildcardRank(range: { mainType: string; subtype: string }): number {
  return (range.mainType === '*' ? 2 : 0) + (range.subtype === '*' ? 1 : 0);
}
