import { Observable, filter, map, type Subscription } from 'rxjs';
import type { Payload } from '../core/payload.js';
import type { OutputRecord } from '../core/records.js';
import { JobFailedStreamError } from '../flow/job.js';
import type { RemoteView } from './remote-view.js';
import { decodeValue } from './wire.js';

/**
 * @internal A remote job's `output$`: the outputs its owner publishes (asked for with `ask` on
 * first subscription), completing when the job completes or is cancelled, or when the view is
 * lost. As in-process, a failure does not complete it: a job resumed after failing goes on
 * sending outputs to the same subscribers, and completes them when it ends. It may be resumed
 * from another handle or process: `keep` keeps the view listening past the failure (and returns
 * the release, called once the stream ends).
 *
 * @example
 * ```ts
 * const output$ = remoteOutputs(view, 'order-17', () => ask('outputs', { op: 'outputs' }, ['outputs', '1']), () => keepListening());
 * ```
 */
export function remoteOutputs(view: RemoteView, id: string, ask: () => void, keep: () => () => void): Observable<OutputRecord> {
  const ended = (): boolean => view.status === 'completed' || view.status === 'cancelled';
  return new Observable<OutputRecord>((subscriber) => {
    if (ended()) return subscriber.complete();
    ask();
    const outputs = view.outputs.pipe(map((body) => decodeValue(body.record, `job '${id}' output`) as OutputRecord)).subscribe(subscriber);
    // A state$ Subject completes at every terminal status and is made again after a resume: a
    // failed job's next one is followed (made now, so the resume's statuses reach it).
    let end: Subscription | undefined;
    let release: (() => void) | undefined;
    const failed = (): void => void (subscriber.closed || ((release ??= keep()), follow()));
    const follow = (): void => void (end = view.stateSubject().subscribe({ complete: () => (ended() || view.lostError !== undefined ? subscriber.complete() : failed()) }));
    follow();
    return () => (outputs.unsubscribe(), end?.unsubscribe(), release?.());
  });
}

/**
 * @internal A remote job's `observe(routineId, eventName)`: the payloads its owner publishes
 * (asked for with `ask` on first subscription), completing when the job completes or is
 * cancelled, erroring with a {@link JobFailedStreamError} when it fails, as in-process.
 *
 * @example
 * ```ts
 * const out$ = remoteEmissions(view, 'order-17', 'sink', 'out', () => ask(...));
 * ```
 */
export function remoteEmissions(view: RemoteView, id: string, routineId: string, eventName: string, ask: () => void): Observable<Payload> {
  return new Observable<Payload>((subscriber) => {
    const end = (): void => (view.current.status === 'failed' ? subscriber.error(new JobFailedStreamError(view.current)) : subscriber.complete());
    if (view.terminal) return end();
    ask();
    const values = view.emissions
      .pipe(
        filter((e) => e.routineId === routineId && e.eventName === eventName),
        map((e) => decodeValue(e.data, `job '${id}' emission ${routineId}.${eventName}`) as Payload),
      )
      .subscribe(subscriber);
    const status = view.stateSubject().subscribe({ complete: end });
    return () => (values.unsubscribe(), status.unsubscribe());
  });
}
