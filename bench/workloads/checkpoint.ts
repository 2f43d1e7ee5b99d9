/**
 * checkpoint: a 100-routine chain (entry, 98 relays, a recorder) with a FileJobStore in a temp
 * dir and `checkpoint: 'always'`; the entry sends `--n` messages through it. A wrapping store
 * counts `save` calls and times them: `sync_ms` is the part that blocks the dispatcher
 * (serializing the snapshot), `ms_per_checkpoint` is until the file is durable (temp file,
 * fsync, rename, directory fsync). Bytes are the job file's size after each save. The same job
 * without a store is timed too, for the overhead. With the journal (the store has
 * `appendJournal`), most checkpoints are one appended JSON line (fdatasynced) holding what the
 * turn changed: `journal_*` are per append, `snapshot_*` per full save (compaction: on settle
 * and every `compactEvery` appends), `journal_bytes_vs_snapshot` their ratio.
 *
 *   tsx bench/workloads/checkpoint.ts --n 20000
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow, type JobState, type JobStore, type FlowOptions } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { journalFileName } from '../../lib/persistence/job-file-name.js';
import { main, numberArg, report } from '../lib/report.js';
import { Checks, median, nowMs, round } from '../lib/measure.js';
import { Entry, Recorder, Relay, Tally } from '../lib/routines.js';

const ROUTINES = 100;
/** The durability issue's targets for the journal: an entry's bytes as a share of a snapshot's, and time against no store. */
const MAX_JOURNAL_SHARE = 0.02;
const MAX_X_NO_STORE = 1.2;

/** Counts and times the saves and journal appends of the store it wraps. */
class CountingStore implements JobStore {
  saves = 0;
  appends = 0;
  readonly appendMs: number[] = [];
  readonly appendBytes: number[] = [];
  readonly syncMs: number[] = [];
  readonly totalMs: number[] = [];
  readonly bytes: number[] = [];
  /** The journal's size after the last append (a save empties it). */
  private journalSize = 0;
  constructor(
    readonly inner: FileJobStore,
    private readonly dir: string,
  ) {}

  async save(state: JobState): Promise<void> {
    this.saves++;
    const t0 = nowMs();
    const pending = this.inner.save(state);
    const t1 = nowMs();
    await pending;
    const t2 = nowMs();
    this.syncMs.push(t1 - t0);
    this.totalMs.push(t2 - t0);
    this.bytes.push((await stat(this.inner.pathOf(state.jobId))).size);
    this.journalSize = 0;
  }
  async appendJournal(jobId: string, entry: unknown): Promise<void> {
    this.appends++;
    const t0 = nowMs();
    await this.inner.appendJournal(jobId, entry);
    this.appendMs.push(nowMs() - t0);
    // What the store wrote: the growth of the journal file (a new journal's header line included).
    const size = (await stat(join(this.dir, journalFileName(jobId)))).size;
    this.appendBytes.push(Math.max(0, size - this.journalSize));
    this.journalSize = size;
  }
  load(jobId: string): Promise<JobState | undefined> {
    return this.inner.load(jobId);
  }
  list(): Promise<string[]> {
    return this.inner.list();
  }
  delete(jobId: string): Promise<void> {
    return this.inner.delete(jobId);
  }
}

function chain(options: FlowOptions): { flow: Flow; sink: Recorder } {
  const flow = new Flow(options);
  flow.addRoutine(new Entry(), 'entry');
  let previous = 'entry';
  for (let k = 1; k < ROUTINES - 1; k++) {
    flow.addRoutine(new Relay(), `hop${k}`);
    flow.connect(previous, 'out', `hop${k}`, 'in');
    previous = `hop${k}`;
  }
  const sink = new Recorder();
  flow.addRoutine(sink, 'sink');
  flow.connect(previous, 'out', 'sink', 'in');
  return { flow, sink };
}

async function runJob(options: FlowOptions, n: number, checks: Checks, label: string): Promise<{ ms: number; state: JobState; flow: Flow }> {
  const { flow, sink } = chain(options);
  // 98 relays add 1 each and the recorder adds 1: value i arrives recorded as i + 99.
  sink.tally = new Tally(n, ROUTINES - 1);
  const t0 = nowMs();
  const state = await flow.start('entry', { n }, { jobId: `checkpoint-bench-${label}` }).wait();
  const ms = nowMs() - t0;
  checks.equal(state.status, 'completed', `${label}: job status`);
  for (const p of sink.tally.problems(`${label}: sink`)) checks.that(false, p);
  return { ms, state, flow };
}

main('checkpoint', async () => {
  const n = numberArg('n', 20_000);
  const checks = new Checks();
  const dir = await mkdtemp(join(tmpdir(), 'routilux-bench-'));
  try {
    // Warm-up and the no-store baseline.
    await runJob({}, n, checks, 'warm-up');
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) bare.push((await runJob({}, n, checks, `bare${i}`)).ms);

    const store = new CountingStore(new FileJobStore(dir), dir);
    const { ms, state, flow } = await runJob({ store, checkpoint: 'always', checkpointRetry: { journal: process.argv.includes('--journal') } }, n, checks, 'stored');
    const tFlush = nowMs();
    await flow.checkpointsFlushed();
    const flushMs = nowMs() - tFlush;
    const saved = await store.load(state.jobId);
    checks.that(store.saves >= 2, `at least 2 checkpoints (got ${store.saves})`);
    checks.equal(saved?.status, 'completed', 'status in the last checkpoint');
    checks.equal(saved?.executionHistory.length, state.executionHistory.length, 'history entries in the last checkpoint');
    checks.equal(saved?.getRoutineState('sink')?.activations, n, 'sink activations in the last checkpoint');

    const activations = (ROUTINES - 1) * n + 1;
    const journal = process.argv.includes('--journal');
    const meanBytes = store.bytes.reduce((a, b) => a + b, 0) / Math.max(1, store.bytes.length);
    const meanAppend = store.appendBytes.reduce((a, b) => a + b, 0) / Math.max(1, store.appendBytes.length);
    report({
      workload: 'checkpoint',
      n,
      seconds: ms / 1000,
      per_sec: activations / (ms / 1000),
      ok: checks.ok,
      unit: 'slot activations with checkpoint "always"',
      routines: ROUTINES,
      checkpoints: store.saves + store.appends,
      journal_appends: store.appends,
      journal_bytes_per_checkpoint: Math.round(meanAppend),
      journal_max_bytes_per_checkpoint: Math.max(0, ...store.appendBytes),
      journal_ms_per_checkpoint: round(median(store.appendMs), 3),
      snapshot_saves: store.saves,
      snapshot_bytes_per_checkpoint: Math.round(meanBytes),
      snapshot_ms_per_checkpoint: round(median(store.totalMs), 3),
      snapshot_sync_ms_per_checkpoint: round(median(store.syncMs), 3),
      journal_bytes_vs_snapshot: round(meanAppend / Math.max(1, meanBytes), 4),
      checkpoints_per_sec: round((store.saves + store.appends) / ((ms + flushMs) / 1000), 1),
      flush_after_settle_ms: round(flushMs, 1),
      no_store_seconds: round(median(bare) / 1000, 4),
      x_slower_than_no_store: round(ms / median(bare), 2),
      // The durability issue's targets for the write-ahead journal (checkpoint 'always').
      ...(journal
        ? {
            target: `journal bytes per checkpoint <= ${MAX_JOURNAL_SHARE * 100}% of a full snapshot, and <= ${MAX_X_NO_STORE}x the time without a store`,
            meets_target: meanAppend / Math.max(1, meanBytes) <= MAX_JOURNAL_SHARE && ms / median(bare) <= MAX_X_NO_STORE,
          }
        : {}),
      errors: checks.errors,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
