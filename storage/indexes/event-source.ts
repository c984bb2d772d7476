import type { InformerHandlers } from '../informers/informer.js';

/** Where an index hears of objects: an informer (or a fake in tests) that calls the handlers it is given. */
export interface EventSource<T> {
  addHandlers(handlers: InformerHandlers<T>): void;
}
