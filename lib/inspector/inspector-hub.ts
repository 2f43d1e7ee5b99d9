import { isTerminal } from '../core/job-status.js';
import type { Subscription } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import type { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import type { InspectRecord } from '../core/inspect-records.js';
import { RoutineStats } from '../inspect/routine-stats.js';
import { loadStoredJobs } from '../inspect/stored-jobs.js';
import { jobSummaryView, type JobSummaryView } from '../inspect/job-views.js';

/** What the hub tells a page (through Server-Sent Events). @example `{ type: 'job', flowId: 'orders', jobId: 'j1', status: 'paused' }` */
export type HubEvent =
  | { readonly type: 'job'; readonly flowId: string; readonly jobId: string; readonly status: string }
  | { readonly type: 'activity'; readonly jobs: readonly { readonly flowId: string; readonly jobId: string }[] };

const STORED_TTL_MS = 2000;
const MAX_ACTIVITY = 500;

/**
 * @internal What the inspector knows of its flows: it watches each flow's `inspect$` and keeps
 * the per-routine figures, a handle on every job it saw (so a settled job can still be shown,
 * the newest `recentLimit` of them), and tells its listeners at once of status changes and,
 * at most 4 times a second, which jobs did work. Stored jobs are read through a short cache.
 *
 * @example
 * ```ts
 * const hub = new InspectorHub(flows, store, { storedLimit: 200, recentLimit: 100 });
 * hub.listen((event) => sse.send(event));
 * ```
 */
export class InspectorHub {
  readonly stats = new Map<string, RoutineStats>();
  private readonly jobs = new Map<string, { flow: Flow; job: Job }>();
  private readonly subs: Subscription[] = [];
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private readonly busy = new Map<string, { flowId: string; jobId: string }>();
  private readonly timer: ReturnType<typeof setInterval>;
  private stored: { at: number; jobs: Promise<JobState[]> } | undefined;

  constructor(
    readonly flows: readonly Flow[],
    readonly store: JobStore | undefined,
    private readonly limits: { storedLimit: number; recentLimit: number },
  ) {
    for (const flow of flows) {
      const stats = new RoutineStats();
      this.stats.set(flow.flowId, stats);
      this.subs.push(flow.inspect$.subscribe((r) => this.record(flow, stats, r)));
    }
    this.timer = setInterval(() => this.flushActivity(), 250);
    this.timer.unref?.();
  }

  flow(flowId: string): Flow | undefined {
    return this.flows.find((f) => f.flowId === flowId);
  }

  listen(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A job of this process: live, or settled and still kept. */
  liveJob(flowId: string, jobId: string): Job | undefined {
    return this.jobs.get(key(flowId, jobId))?.job ?? this.flow(flowId)?.getJob(jobId);
  }

  /** Jobs of this process, then stored ones not among them; most recently updated first. */
  async summaries(): Promise<JobSummaryView[]> {
    const rows = new Map<string, JobSummaryView>();
    for (const flow of this.flows) for (const id of flow.jobIds()) this.keep(flow, id);
    for (const { job } of this.jobs.values()) {
      const view = jobSummaryView(job.state, 'live');
      rows.set(key(view.flowId, view.jobId), view);
    }
    for (const state of await this.storedStates()) {
      const k = key(state.flowId, state.jobId);
      if (!rows.has(k)) rows.set(k, jobSummaryView(state, 'stored'));
    }
    return [...rows.values()].sort((a, b) => b.updatedAt - a.updatedAt || a.jobId.localeCompare(b.jobId));
  }

  /** Drops the stored-job cache (after an action changed the store). */
  storedChanged(): void {
    this.stored = undefined;
  }

  async storedState(jobId: string): Promise<JobState | undefined> {
    return this.store?.load(jobId);
  }

  close(): void {
    for (const s of this.subs) s.unsubscribe();
    clearInterval(this.timer);
    this.listeners.clear();
  }

  private record(flow: Flow, stats: RoutineStats, r: InspectRecord): void {
    stats.record(r);
    if (r.type === 'checkpoint') return;
    if (!this.jobs.has(key(flow.flowId, r.jobId))) this.keep(flow, r.jobId);
    if (r.type === 'job') {
      this.stored = undefined;
      this.emit({ type: 'job', flowId: flow.flowId, jobId: r.jobId, status: r.status });
    } else this.busy.set(key(flow.flowId, r.jobId), { flowId: flow.flowId, jobId: r.jobId });
  }

  /** Holds the job's handle, so its state stays readable after it settles; the oldest settled go first. */
  private keep(flow: Flow, jobId: string): void {
    const k = key(flow.flowId, jobId);
    if (this.jobs.has(k)) return;
    const job = flow.getJob(jobId);
    if (job === undefined) return;
    this.jobs.set(k, { flow, job });
    if (this.jobs.size <= this.limits.recentLimit) return;
    for (const [other, { job: j }] of this.jobs) {
      if (this.jobs.size <= this.limits.recentLimit) break;
      if (isTerminal(j.state.status)) this.jobs.delete(other);
    }
  }

  private flushActivity(): void {
    if (this.busy.size === 0) return;
    // Bounded: with thousands of busy jobs a page needs to know that, not each id.
    const jobs = [...this.busy.values()].slice(0, MAX_ACTIVITY);
    this.busy.clear();
    this.emit({ type: 'activity', jobs });
  }

  private emit(event: HubEvent): void {
    for (const l of this.listeners) l(event);
  }

  private storedStates(): Promise<JobState[]> {
    const store = this.store;
    if (store === undefined || this.limits.storedLimit === 0) return Promise.resolve([]);
    if (this.stored === undefined || Date.now() - this.stored.at > STORED_TTL_MS) {
      const jobs = loadStoredJobs(store, this.limits.storedLimit).then((all) => all.flatMap((j) => ('state' in j ? [j.state] : [])));
      this.stored = { at: Date.now(), jobs };
    }
    return this.stored.jobs;
  }
}

function key(flowId: string, jobId: string): string {
  return `${flowId}\u0000${jobId}`;
}
