/**
 * What must hold for every input, whatever it is: the only exception is a StatusError with a 4xx code, and
 * no built-in prototype gains a key (data never becomes a prototype, architecture.md "Untrusted input").
 */
import { StatusError } from '../../storage/apimachinery/errors.js';

const PROTOTYPES: Array<[string, object]> = [['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype], ['String.prototype', String.prototype]];

export type PrototypeSnapshot = Map<string, string[]>;

export function snapshotPrototypes(): PrototypeSnapshot {
  return new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

/** Keys a built-in prototype gained since the snapshot (and whether a plain object now inherits `polluted`). */
export function prototypeChanges(before: PrototypeSnapshot): string[] {
  const out: string[] = [];
  for (const [name, proto] of PROTOTYPES) {
    const was = new Set(before.get(name) ?? []);
    for (const key of Reflect.ownKeys(proto).map(String)) if (!was.has(key)) out.push(`${name}.${key}`);
  }
  if ((({}) as Record<string, unknown>).polluted !== undefined) out.push('({}).polluted');
  return out;
}

/** Undoes pollution so that one finding does not fail every later case. */
export function restorePrototypes(before: PrototypeSnapshot): void {
  for (const [name, proto] of PROTOTYPES) {
    const was = new Set(before.get(name) ?? []);
    for (const key of Reflect.ownKeys(proto)) if (!was.has(String(key))) Reflect.deleteProperty(proto, key);
  }
}

/** A finding: what was called with what, and what came out. */
export interface Finding {
  where: string;
  input: string;
  outcome: string;
}

/** The outcome of `fn` if it breaks the contract (a non-StatusError, or a StatusError of 500 or more), else undefined. */
export function contractBreach(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return breachOf(err);
  }
}

export async function contractBreachAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return breachOf(err);
  }
}

export function breachOf(err: unknown): string | undefined {
  if (err instanceof StatusError) return err.code >= 500 ? `StatusError ${err.code} ${err.reason}: ${err.message.slice(0, 300)}` : undefined;
  // Anything may be thrown, null and undefined included.
  const e = err as Partial<Error> | null | undefined;
  const frame = (e?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' | ');
  return `${e?.name ?? typeof err}: ${String(e?.message ?? err).slice(0, 300)} @ ${frame}`;
}
