import { Subscription, type Observer } from 'rxjs';
import type { Payload } from '../core/payload.js';
import { describeError } from '../errors/errors.js';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import type { JobState } from '../state/job-state.js';
import type { RedisClient } from './lua-script.js';
import { valueOfKind } from './remote-input.js';
import { encodeValue, type ControlCommand, type ControlEntry } from './wire.js';
import { serialize } from '../persistence/store-arguments.js';
import { randomId } from './random-id.js';

/**
 * @internal What the owner of one job does with its control commands, on its local Job: pause,
 * resume, cancel, send, inputs held open (re-opened by a new owner from the job's meta), close,
 * and the publications clients asked for (an event's payloads, the outputs). A refused pause or
 * cancel is answered on the job's channel; everything else a client already checked.
 *
 * @example
 * ```ts
 * const commands = new OwnerCommands(flow, client, keys.channel, report);
 * commands.apply(job, { id: '1-0', command: { op: 'close' } });
 * ```
 */
export class OwnerCommands {
  /** Inputs held open and observed events, made on first use (most jobs have neither). */
  private holds: Map<string, Observer<Payload>> | undefined = undefined;
  private observed: Set<string> | undefined = undefined;
  private events: Subscription | undefined = undefined;
  private outputs: Subscription | undefined = undefined;
  /** What this ownership publishes is marked `<publisher>.<n>` (see RepeatFilter); the id made on first use. */
  private publisher = '';
  private published = 0;
  /** Pauses settled by an answer published so far: each answer carries a state a client shows until a status comes after it (see OwnerWriter). */
  answered = 0;

  constructor(
    private readonly flow: Flow,
    private readonly client: RedisClient,
    private readonly channel: string,
    private readonly report: (error: unknown) => void,
  ) {}

  /** The requests a client left in the job's meta (`field, value, ...` as Redis lists it): open inputs, observed events, outputs. */
  restore(job: Job, meta: readonly string[]): void {
    for (let i = 0; i + 1 < meta.length; i += 2) {
      const field = meta[i];
      const value = meta[i + 1];
      if (field.startsWith('hold:')) {
        const { routineId, slotName } = JSON.parse(value) as { routineId: string; slotName: string };
        this.apply(job, { id: '', command: { op: 'hold', id: field.slice(5), routineId, slotName } });
      } else if (field.startsWith('obs:')) {
        const [routineId, eventName] = field.slice(4).split('\u0000');
        this.apply(job, { id: '', command: { op: 'observe', routineId, eventName } });
      } else if (field === 'outputs') this.apply(job, { id: '', command: { op: 'outputs' } });
    }
  }

  /** Applies one command to the local job. */
  apply(job: Job, { id, command: c }: ControlEntry): void {
    try {
      this.applyOne(job, id, c);
    } catch (error) {
      this.report(error); // a send to a slot this worker's flow lacks, ...: the job goes on
    }
  }

  /** Answers a command the owner cannot apply in the job's status (pause or cancel of a settled job, ...). */
  refuse(job: { jobId: string; status: string }, { id, command }: ControlEntry): void {
    if (command.op === 'pause' || command.op === 'cancel' || command.op === 'resume') {
      this.ack(id, { name: 'JobStateError', message: `cannot ${command.op} job '${job.jobId}': it is ${job.status}` });
    }
  }

  /**
   * Whether a client asked for this job's emissions or outputs: each is published as it
   * happens, so a turn replayed by a new owner would publish them again (see PoolTurnLag).
   */
  get watched(): boolean {
    return this.events !== undefined || this.outputs !== undefined;
  }

  /** Stops publishing and drops the inputs (the job is let go). */
  dispose(): void {
    this.events?.unsubscribe();
    this.outputs?.unsubscribe();
    this.holds?.clear();
  }

  private applyOne(job: Job, id: string, c: ControlCommand): void {
    switch (c.op) {
      case 'pause': {
        const before = job._runtime.status;
        // Settled later (its in-flight work ended) but resumed meanwhile: no paused status will
        // settle it on the client, so it is answered then, with the state it resolved with.
        const late = (state: JobState): void => void (state.status !== 'paused' && this.answer(id, state));
        job.pause(c.reason, c.checkpoint).then(late, (error: unknown) => this.ack(id, describeError(error)));
        if (before !== 'paused') this.settledPause(job, id);
        return;
      }
      case 'cancel':
        job.cancel(c.reason).catch((error: unknown) => this.ack(id, describeError(error)));
        return;
      case 'resume': {
        const status = job.state.status;
        if (status === 'completed' || status === 'cancelled') return this.refuse({ jobId: job.jobId, status }, { id, command: c });
        if (status !== 'paused' && status !== 'failed') return; // running already: nothing to do
        job.resume();
        return;
      }
      case 'send':
        job.send(c.routineId, c.slotName, c.data);
        return;
      case 'input-bad': // a client input's value that is not a plain object: this input fails it as a local one does

        this.holds?.get(c.id)?.next(valueOfKind(c.kind) as Payload);
        return;
      case 'hold':
        this.holds ??= new Map();
        if (!this.holds.has(c.id)) this.holds.set(c.id, job.input(c.routineId, c.slotName));
        return;
      case 'unhold':
        this.holds?.get(c.id)?.complete();
        this.holds?.delete(c.id);
        return;
      case 'input-error': {
        const error = Object.assign(new Error(c.error.message), { name: c.error.name });
        this.holds?.get(c.id)?.error(error);
        this.holds?.delete(c.id);
        return;
      }
      case 'close':
        job.close();
        return;
      case 'observe':
        (this.observed ??= new Set()).add(`${c.routineId}\u0000${c.eventName}`);
        this.events ??= this.flow.events$.subscribe((e) => {
          if (e.jobId !== job.jobId || !this.observed!.has(`${e.routineId}\u0000${e.eventName}`)) return;
          this.publish('e', () => ({ routineId: e.routineId, eventName: e.eventName, data: encodeValue(e.data, `job '${e.jobId}' emission ${e.routineId}.${e.eventName}`) }));
        });
        return;
      case 'outputs':
        this.outputs ??= job.output$.subscribe((record) => this.publish('o', () => ({ record: encodeValue(record, `job '${job.jobId}' output`) })));
        return;
    }
  }

  /**
   * A pause with nothing in flight settles at once, and a local one resolves with that state: it
   * is told now to the client that asked, on this connection, so before any later save. A
   * command after it in the same batch (a cancel), or coming before its checkpoint is written,
   * would otherwise publish only the state that followed.
   */
  private settledPause(job: Job, id: string): void {
    const rt = job._runtime;
    if (id === '' || rt.status !== 'paused' || rt.work.running !== 0) return;
    this.answer(id, job.state);
  }

  /** Publishes a pause's answer: the state it settled at, told before any later save of this connection. */
  private answer(id: string, state: JobState): void {
    if (id === '') return;
    let text: string;
    try {
      text = serialize(state, `pause of job '${state.jobId}'`);
    } catch (error) {
      return this.report(error); // (its checkpoint fails alike; the client settles on what is published next)
    }
    this.client.publish(this.channel, `a${JSON.stringify({ id, ok: true })}\n${text}`).catch(this.report);
    this.answered++;
  }

  private ack(id: string, error: { name: string; message: string }): void {
    if (id === '') return;
    this.client.publish(this.channel, `a${JSON.stringify({ id, ok: false, error })}\n`).catch(this.report);
  }

  /** Publishes what `body` makes; a payload that cannot be encoded is reported, never thrown into the emitting handler. */
  private publish(type: 'e' | 'o', body: () => Record<string, unknown>): void {
    let text: string;
    try {
      text = `${type}${JSON.stringify({ ...body(), q: `${(this.publisher ||= randomId())}.${++this.published}` })}`;
    } catch (error) {
      return this.report(error);
    }
    this.client.publish(this.channel, text).catch(this.report);
  }
}
