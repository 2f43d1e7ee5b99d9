import type { SchedulerLike } from 'rxjs';
import { ConfigurationError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { JobState } from '../state/job-state.js';
import type { ContextHost } from '../model/context-host.js';
import type { Drain } from '../model/drain.js';
import type { Event } from '../model/event.js';
import type { OperatorLog } from '../model/operator-log.js';
import type { Routine } from '../model/routine.js';
import type { Slot } from '../model/slot.js';
import type { Flow } from '../flow/flow.js';
import { replayJournal } from '../state/job-journal-json.js';
import { blankState } from './state-edit.js';
import type { Effect } from './wire.js';

/**
 * @internal A job's last checkpoint as stored: its snapshot text and the journal entries its
 * owner appended since (each turn's changes).
 *
 * @example
 * ```ts
 * const stored: StoredState = { text: snapshotJson, journal: [] };
 * ```
 */
export interface StoredState {
  readonly text: string;
  readonly journal: readonly string[];
}

/**
 * @internal The job as a pool activation sees it (Tier 2): an ExecutionContext host on a pool
 * worker, far from the job. What the handler does to the job (emit, setSharedData,
 * updateRoutineState, resetSlot, deferred events, outputs, pause) is buffered as effects, in
 * order, for the owner to apply when the activation ends; reads see the job's last checkpoint
 * (`jobState`) with the handler's own shared-data writes on top. Its signal aborts when the
 * owner's activation is aborted (the job cancelled or failed, a timeout).
 *
 * @example
 * ```ts
 * const host = new RemoteHost(flow, 'order-17', { text: snapshotJson, journal: [] }, new LazyAbort());
 * const ctx = new ActivationContext(host, slot, attempt, seq);
 * ```
 */
export class RemoteHost implements ContextHost {
  readonly effects: Effect[] = [];
  private readonly written = new Map<string, unknown>();
  private state: JobState | undefined = undefined;

  constructor(
    readonly flow: Flow,
    readonly id: string,
    /** The job's last checkpoint: as stored (snapshot text and journal, parsed on first use), or its owner's copy in this process; null when it has none yet. */
    private readonly stored: StoredState | JobState | null,
    /** Aborted when the owner's activation is (its signal made only if the handler reads it). */
    private readonly abort: { readonly signal: AbortSignal },
  ) {}

  get scheduler(): SchedulerLike {
    return this.flow.scheduler;
  }

  emitFrom(event: Event, data: Payload): void {
    this.effects.push({ k: 'emit', e: event.name, d: data });
  }

  setSharedData(key: string, value: unknown): void {
    this.written.set(key, value);
    this.effects.push({ k: 'shared', key, v: value });
  }

  getSharedData(key: string): unknown {
    return this.written.has(key) ? this.written.get(key) : this.snapshot().sharedData[key];
  }

  hasSharedData(key: string): boolean {
    return this.written.has(key) || Object.prototype.hasOwnProperty.call(this.snapshot().sharedData, key);
  }

  updateRoutineState(_routine: Routine, patch: Record<string, unknown>): void {
    this.effects.push({ k: 'state', p: patch });
  }

  resetSlot(_slot: Slot): void {
    this.effects.push({ k: 'reset' });
  }

  /** The job's last checkpoint (not the live state: the job goes on while this runs). */
  snapshot(): JobState {
    const stored = this.stored;
    if (stored instanceof JobState) return stored;
    return (this.state ??= stored === null ? blankState(this.id, this.flow.flowId, 'running', Date.now()) : replayJournal(JobState.fromJSON(stored.text), stored.journal));
  }

  now(): number {
    return this.flow.scheduler.now();
  }

  abortSignal(): AbortSignal {
    return this.abort.signal;
  }

  deferEvent(event: Event, data: Payload): void {
    this.effects.push({ k: 'defer', e: event.name, d: data });
  }

  sendOutput(_routine: Routine, outputType: string, data: Payload): void {
    this.effects.push({ k: 'output', t: outputType, d: data });
  }

  /** The owner pauses the job when it applies this activation's effects; resolves with the last checkpoint. */
  pause(reason: string, checkpoint: Payload): Promise<JobState> {
    this.effects.push({ k: 'pause', r: reason, c: checkpoint });
    return Promise.resolve(this.snapshot());
  }

  operatorLog(): OperatorLog {
    return unsupported();
  }

  operatorChanged(): void {
    unsupported();
  }

  addDrain(_drain: Drain): void {
    unsupported();
  }

  releaseDrain(_drain: Drain): void {
    unsupported();
  }

  streamFailed(): void {
    unsupported();
  }
}

function unsupported(): never {
  throw new ConfigurationError('operator routines run on the job owner, never on the activation pool');
}
