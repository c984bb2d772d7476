/**
 * An express app served on a loopback port with the body reader and the last handlers of the real chain
 * (apiserver/server.ts): what a handler does not answer becomes the 404 Status, what it throws the Status
 * kubectl reads. For unit tests of routers and handlers over real HTTP, without the rest of the server.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import express from 'express';
import { readBody } from '../../apiserver/chain/body.js';
import { errorHandler, notFoundHandler } from '../../apiserver/chain/errors.js';
import { silentLogger } from '../../storage/logger.js';

export interface LoopbackApp {
  base: string;
  close(): Promise<void>;
}

/** Serves `mount`'s routes after readBody, followed by the not-found and error handlers. */
export async function serveLoopback(mount: (app: Express) => void): Promise<LoopbackApp> {
  const app = express();
  app.use(readBody());
  mount(app);
  app.use(notFoundHandler());
  app.use(errorHandler(silentLogger));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

/** One request; the whole answer, read. */
export async function call(base: string, method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
