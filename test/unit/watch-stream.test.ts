// apiserver/encoding/watch-stream.ts on a recording response: the framing of events (one JSON line each, after
// the headers, written once), each output kind (JSON, Table rows with the header once, PartialObjectMetadata),
// bookmarks in each, an ERROR event that ends the stream, and closing (once, whichever way, and nothing written
// after). Budgets and slow readers are in watch-buffers.test.ts; the handler around it in handlers-watch.test.ts.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { WatchBufferBudget, WatchStream } from '../../apiserver/encoding/watch-stream.js';
import { expired } from '../../storage/apimachinery/errors.js';
import type { TableConvertor } from '../../registry/table-convertor.js';

/** A response that records what is written to it, and drains at once (a client that keeps up). */
class RecordingResponse extends EventEmitter {
  statusCode = 0;
  headers: Record<string, string> = {};
  flushes = 0;
  chunks: string[] = [];
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  ends = 0;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  setHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  flushHeaders(): void {
    this.flushes++;
  }

  write(chunk: string): boolean {
    if (this.writableEnded) throw new Error('write after end');
    this.chunks.push(chunk);
    return true;
  }

  end(): void {
    this.ends++;
    this.writableEnded = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** The events written, each line parsed. */
  events(): Array<{ type: string; object: Record<string, unknown> }> {
    const text = this.chunks.join('');
    return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
  }
}

interface Thing { apiVersion?: string; kind?: string; metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> }; spec?: { size: number } }
const thing = (name: string, rv: string): Thing => ({ apiVersion: 'example.kiosk.sh/v1', kind: 'Thing', metadata: { name, resourceVersion: rv, labels: { a: 'b' } }, spec: { size: 3 } });
const convertor: TableConvertor<Thing> = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', priority: 0, description: 'the name' },
    { name: 'Size', type: 'integer', format: '', priority: 0, description: 'the size' },
  ],
  cells: (t) => [t.metadata.name, t.spec?.size ?? null],
};
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const PARTIAL = 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io';

function open(accept?: string, query: Record<string, string> = {}) {
  const res = new RecordingResponse();
  const req = { headers: accept ? { accept } : {}, query } as unknown as Request;
  const stream = new WatchStream<Thing>(req, res as unknown as Response, convertor, { apiVersion: 'example.kiosk.sh/v1', kind: 'Thing' }, new WatchBufferBudget(1 << 30, 1 << 20));
  const closed: string[] = [];
  stream.whenClosed((reason) => closed.push(reason));
  return { res, stream, closed };
}

describe('WatchStream framing', () => {
  it('writes the status line and headers once, before the first event, and nothing else until then', () => {
    const { res, stream } = open();
    stream.start();
    stream.start();
    expect(res.statusCode).toBe(200);
    expect(res.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    expect(res.flushes).toBe(1);
    expect(res.chunks).toEqual([]);
    stream.send('ADDED', thing('a', '1'));
    expect(res.flushes).toBe(1);
  });

  it('starts the response on its own when the first event comes before start()', () => {
    const { res, stream } = open();
    stream.send('ADDED', thing('a', '1'));
    expect(res.statusCode).toBe(200);
    expect(res.flushes).toBe(1);
  });

  it('frames each event as one line of JSON {type, object}, in the order sent', () => {
    const { res, stream } = open();
    stream.send('ADDED', thing('a', '1'));
    stream.send('MODIFIED', thing('a', '2'));
    stream.send('DELETED', thing('a', '3'));
    expect(res.chunks).toEqual([
      `${JSON.stringify({ type: 'ADDED', object: thing('a', '1') })}\n`,
      `${JSON.stringify({ type: 'MODIFIED', object: thing('a', '2') })}\n`,
      `${JSON.stringify({ type: 'DELETED', object: thing('a', '3') })}\n`,
    ]);
  });

  it('sends Table events with the column definitions on the first only, and the object as metadata by default', () => {
    const { res, stream } = open(TABLE);
    stream.send('ADDED', thing('a', '1'));
    stream.send('MODIFIED', thing('a', '2'));
    const [first, second] = res.events();
    expect(first).toEqual({
      type: 'ADDED',
      object: {
        kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '1' },
        columnDefinitions: convertor.columns,
        rows: [{ cells: ['a', 3], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: thing('a', '1').metadata } }],
      },
    });
    expect(second).toMatchObject({ type: 'MODIFIED', object: { kind: 'Table', columnDefinitions: null, metadata: { resourceVersion: '2' }, rows: [{ cells: ['a', 3] }] } });
  });

  it('reads includeObject for Table events only', () => {
    const table = open(TABLE, { includeObject: 'None' });
    table.stream.send('ADDED', thing('a', '1'));
    expect(table.res.events()[0]?.object.rows).toEqual([{ cells: ['a', 3] }]);
    const json = open(undefined, { includeObject: 'bogus' });
    json.stream.send('ADDED', thing('a', '1'));
    expect(json.res.events()).toEqual([{ type: 'ADDED', object: thing('a', '1') }]);
    // A value upstream refuses, on a Table watch, is refused before anything is written.
    expect(() => open(TABLE, { includeObject: 'bogus' })).toThrow(
      'Unable to convert to Table as requested: includeObject: Invalid value: "bogus": must be \'Metadata\', \'Object\', \'None\', or empty');
  });

  it('sends PartialObjectMetadata events for metadata informers', () => {
    const { res, stream } = open(PARTIAL);
    stream.send('ADDED', thing('a', '1'));
    expect(res.events()).toEqual([{ type: 'ADDED', object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: thing('a', '1').metadata } }]);
  });
});

describe('WatchStream bookmarks', () => {
  it('carries only the resourceVersion, in the kind and version of the watched resource', () => {
    const { res, stream } = open();
    stream.bookmark('42');
    expect(res.events()).toEqual([{ type: 'BOOKMARK', object: { kind: 'Thing', apiVersion: 'example.kiosk.sh/v1', metadata: { resourceVersion: '42' } } }]);
  });

  it('marks the end of the initial events with the k8s.io/initial-events-end annotation', () => {
    const { res, stream } = open();
    stream.bookmark('42', true);
    expect(res.events()[0]?.object).toEqual({
      kind: 'Thing', apiVersion: 'example.kiosk.sh/v1', metadata: { resourceVersion: '42', annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  });

  it('is a PartialObjectMetadata, or an empty Table, when those were asked for', () => {
    const partial = open(PARTIAL);
    partial.stream.bookmark('7');
    expect(partial.res.events()[0]?.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '7' } });
    const table = open(TABLE);
    table.stream.bookmark('7', true);
    expect(table.res.events()[0]?.object).toEqual({
      kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '7', annotations: { 'k8s.io/initial-events-end': 'true' } },
      columnDefinitions: null, rows: [],
    });
  });

  it('does not take the Table header from the first real event', () => {
    const { res, stream } = open(TABLE);
    stream.bookmark('7');
    stream.send('ADDED', thing('a', '8'));
    expect(res.events()[1]?.object.columnDefinitions).toEqual(convertor.columns);
  });
});

describe('WatchStream errors and closing', () => {
  it('ends the stream after an ERROR event carrying the Status, and closes as done', () => {
    const { res, stream, closed } = open();
    stream.send('ADDED', thing('a', '1'));
    stream.error(expired('too old resource version: 3 (5)'));
    expect(res.events()[1]).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 3 (5)', reason: 'Expired', code: 410 },
    });
    expect(res.ends).toBe(1);
    expect(stream.isClosed).toBe(true);
    expect(closed).toEqual(['done']);
  });

  it('ends one watch with an ERROR event for an object it cannot encode, without throwing into the fan-out', () => {
    const { res, stream, closed } = open(TABLE);
    // A Table row reads spec (the Size cell); this object's spec cannot be read.
    const unreadable = thing('a', '1');
    Object.defineProperty(unreadable, 'spec', { get: () => { throw new Error('cannot read spec'); } });
    expect(() => { stream.send('ADDED', unreadable); }).not.toThrow();
    expect(res.events()).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 500, message: 'Internal error occurred: cannot read spec' }) as unknown }]);
    expect(closed).toEqual(['done']);
  });

  it('writes nothing once closed, and calls the close listeners once', () => {
    const { res, stream, closed } = open();
    stream.finish('done');
    stream.finish('done');
    stream.send('ADDED', thing('a', '1'));
    stream.bookmark('9');
    stream.error(expired('gone'));
    expect(res.chunks).toEqual([]);
    expect(res.ends).toBe(1);
    expect(closed).toEqual(['done']);
  });

  it('closes as the client\'s doing when the response closes or errors, and tells every listener', () => {
    const first = open();
    const second: string[] = [];
    first.stream.whenClosed((r) => second.push(r));
    first.res.emit('close');
    expect(first.closed).toEqual(['client']);
    expect(second).toEqual(['client']);
    const other = open();
    expect(() => other.res.emit('error', new Error('EPIPE'))).not.toThrow();
    expect(other.closed).toEqual(['client']);
    expect(other.stream.isClosed).toBe(true);
  });

  it('closes instead of writing to a response that ended or broke under it', () => {
    const ended = open();
    ended.stream.start();
    ended.res.writableEnded = true;
    ended.stream.send('ADDED', thing('a', '1'));
    expect(ended.res.chunks).toEqual([]);
    expect(ended.closed).toEqual(['client']);
    const broken = open();
    broken.res.destroyed = true;
    broken.stream.bookmark('1');
    expect(broken.res.chunks).toEqual([]);
    expect(broken.closed).toEqual(['client']);
  });

  it('ends an unstarted response with its headers when closed before any event', () => {
    const { res, stream } = open();
    stream.finish('done');
    expect(res.statusCode).toBe(200);
    expect(res.flushes).toBe(1);
    expect(res.ends).toBe(1);
  });
});
