/**
 * Shared test routines and small utilities for the core specification suite.
 * Everything here is written against the public entry point (lib/index.ts) only.
 */
import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { Routine, type ExecutionContext, type MergeStrategy, type Payload, type SlotHandler } from '../../lib/index.js';

/** One observed activation: which routine, which job, what it received, when (scheduler time). */
export interface Seen {
  routine: string;
  jobId: string;
  data: Payload;
  at: number;
  attempt: number;
}

export type SlotSpec = SlotHandler<any> | { handler?: SlotHandler<any>; mergeStrategy?: MergeStrategy } | undefined;

/** A routine built from a table of slots (name -> handler or { handler, mergeStrategy }) and events. */
export function makeRoutine(slots: Record<string, SlotSpec>, events: string[] = ['out']): Routine {
  const r = new Routine();
  for (const e of events) r.defineEvent(e);
  for (const [name, s] of Object.entries(slots)) {
    if (typeof s === 'function' || s === undefined) r.defineSlot(name, s);
    else r.defineSlot(name, s.handler, { mergeStrategy: s.mergeStrategy });
  }
  return r;
}

function seenOf(ctx: ExecutionContext, data: Payload): Seen {
  return { routine: ctx.routineId, jobId: ctx.jobId, data, at: ctx.now(), attempt: ctx.attempt };
}

/**
 * Entry routine: its `trigger` slot emits `out` once per element of `data.items`
 * (or once with the params themselves when there is no `items`).
 */
export class Source extends Routine {
  constructor(readonly log: Seen[] = []) {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (data, ctx) => {
      this.log.push(seenOf(ctx, data));
      const items = (data.items as Payload[] | undefined) ?? [data];
      for (const item of items) this.emit('out', item);
    });
  }
}

/** `in` -> `out` unchanged, logging each activation. */
export class Relay extends Routine {
  constructor(readonly log: Seen[] = []) {
    super();
    this.defineEvent('out');
    this.defineSlot('in', (data, ctx) => {
      this.log.push(seenOf(ctx, data));
      this.emit('out', data);
    });
  }
}

/** `in` only, logging each activation. */
export class Sink extends Routine {
  constructor(readonly log: Seen[] = []) {
    super();
    this.defineSlot('in', (data, ctx) => {
      this.log.push(seenOf(ctx, data));
    });
  }
}

/** A promise with its resolve/reject exposed, to hold an async activation open until the test says so. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Test-side polling (never used by the library): resolves once `cond()` holds, else fails after `ms`.
 * The default bound is generous: it only decides how long a broken spec takes to fail, and a slow,
 * loaded CI machine can take far longer than a laptop to reach a condition that does hold.
 */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** The TestScheduler every marble spec uses. */
export function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

/** Asserts that `fn` throws an error of class `cls` whose message mentions every string in `mentions`. */
export function expectThrows(fn: () => unknown, cls: new (...a: any[]) => Error, ...mentions: string[]): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').to.be.instanceOf(cls);
  const err = caught as Error;
  expect(err.name).to.equal(cls.name);
  for (const m of mentions) expect(err.message).to.include(m);
  return err;
}

/** Asserts that `p` rejects with `cls`; returns the error. */
export async function expectRejects(p: Promise<unknown>, cls: new (...a: any[]) => Error, ...mentions: string[]): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a rejection').to.be.instanceOf(cls);
  const err = caught as Error;
  for (const m of mentions) expect(err.message).to.include(m);
  return err;
}
