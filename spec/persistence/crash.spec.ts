import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobState, PendingTask } from '../../lib/index.js';
import { FileJobStore } from '../../lib/persistence/file-store.js';
import { LiveChildren } from '../helpers/live-children.js';
import { CRASH_FLOW_ID, CRASH_TOTAL, buildCrashFlow } from '../fixtures/crash-flow.js';
import { childScript } from '../helpers/child-script.js';

const CHILD = fileURLToPath(new URL('../fixtures/crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JOB_ID = 'crash-job';
const RUNS = 4;

/** The seqs a sink record file holds, in order (duplicates kept). */
function records(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map(Number);
}

/**
 * The seqs that still have to reach the sink according to a snapshot: every seq in a task
 * queued, running, or failed anywhere in the chain. A seq is in at most one task (relays are
 * synchronous, and a snapshot is taken between activations), and the source's own task would
 * mean every seq is outstanding.
 */
function outstanding(state: JobState): Set<number> {
  const tasks: PendingTask[] = [...state.pendingTasks, ...state.runningTasks, ...(state.failedTask ? [state.failedTask] : [])];
  if (tasks.some((t) => t.routineId === 'source')) return new Set(Array.from({ length: CRASH_TOTAL }, (_, i) => i));
  const seqs = new Set<number>();
  for (const t of tasks) {
    const seq = t.data.seq as number;
    expect(seqs.has(seq), `seq ${seq} is in two tasks of one snapshot`).to.equal(false);
    seqs.add(seq);
  }
  return seqs;
}

function sinkActivations(state: JobState | undefined): number {
  return state?.getRoutineState('sink')?.activations ?? 0;
}

function runningAtSink(state: JobState): number {
  return state.runningTasks.filter((t) => t.routineId === 'sink').length;
}

const children = new LiveChildren();

function countDuplicates(seqs: number[]): number {
  return seqs.length - new Set(seqs).size;
}

/**
 * Runs the child until its record file holds at least `killAtBytes` bytes and the job's first
 * save has landed, then SIGKILLs it. Resolves with whether it was killed (false: it exited on its
 * own first).
 */
async function runAndKill(dir: string, tag: string, killAtBytes: number): Promise<{ killed: boolean; stdout: string; stderr: string }> {
  const script = await childScript(CHILD); // (bundled once: see childScript)
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, dir, JOB_ID, tag], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const file = join(dir, `sink-${tag}.log`);
    // Checkpoints are written while the job runs on, so on a loaded machine whose writes lag, the
    // job's first save could still be missing at every kill: the kill waits for it as well.
    const jobFile = new FileJobStore(dir).pathOf(JOB_ID);
    let killed = false;
    const poll = setInterval(() => {
      const size = existsSync(file) ? statSync(file).size : 0;
      if (size >= killAtBytes && existsSync(jobFile) && !killed) {
        killed = child.kill('SIGKILL');
        clearInterval(poll);
      }
    }, 3);
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (!killed && code !== 0) reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
      else resolve({ killed: killed && signal === 'SIGKILL', stdout, stderr });
    });
  });
}

describe('crash recovery with FileJobStore (SIGKILL)', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'routilux-crash-'));
  });
  after(async () => {
    await children.stop(); // one still writing into `dir` would make its removal fail (ENOTEMPTY)
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it(`loses nothing across ${RUNS} kills at random moments and bounds the duplicates`, async () => {
    const store = new FileJobStore(dir);
    const delivered: number[][] = []; // per run, what the sink recorded
    const loaded: JobState[] = []; // per run, the snapshot on disk after its kill
    const bounds: number[] = [];
    const report: string[] = [];
    let previous: JobState | undefined;

    for (let run = 0; run < RUNS; run++) {
      let state: JobState | undefined;
      let seqs: number[] = [];
      // A kill can land before the first checkpoint of a fresh job: then nothing was saved
      // and the run is retried with a later kill (its records belong to no saved job).
      for (let attempt = 0; ; attempt++) {
        expect(attempt, 'no checkpoint was ever written').to.be.lessThan(5);
        const tag = `${run}-${attempt}`;
        // 200–1400 deliveries per run (≈5 bytes each), later on each retry.
        const killAt = (1000 + Math.floor(Math.random() * 6000)) * (attempt + 1);
        const result = await runAndKill(dir, tag, killAt);
        expect(result.killed, `run ${tag} finished before it could be killed (${result.stdout})`).to.equal(true);
        seqs = records(join(dir, `sink-${tag}.log`));
        // A fresh store, as a restarted process would have: the file must always parse.
        state = await new FileJobStore(dir).load(JOB_ID);
        if (state !== undefined || previous !== undefined) break;
        rmSync(join(dir, `sink-${tag}.log`), { force: true });
      }
      expect(state, 'the snapshot after the kill').to.not.equal(undefined);
      const snapshot = state!;
      expect(snapshot.jobId).to.equal(JOB_ID);
      expect(snapshot.flowId).to.equal(CRASH_FLOW_ID);
      expect(snapshot.status).to.equal('running');
      // Temp files a kill may have left behind are not jobs.
      expect(await store.list()).to.deep.equal([JOB_ID]);

      // A resumed run delivers only what its starting snapshot still owed, each seq once.
      if (previous !== undefined) {
        const owed = outstanding(previous);
        for (const seq of seqs) expect(owed.has(seq), `run ${run} delivered seq ${seq}, which was already done`).to.equal(true);
      }
      expect(countDuplicates(seqs), `duplicates within run ${run}`).to.equal(0);

      // Deliveries of this run the snapshot does not count as done are the only ones that can
      // happen again: those after the snapshot was taken, plus those running when it was.
      const notCheckpointed = seqs.length - (sinkActivations(snapshot) - sinkActivations(previous)) + runningAtSink(snapshot);
      const owedAgain = outstanding(snapshot);
      const redelivered = seqs.filter((seq) => owedAgain.has(seq)).length;
      expect(redelivered, `run ${run}: seqs to be delivered again`).to.be.at.most(notCheckpointed);
      bounds.push(redelivered);
      delivered.push(seqs);
      loaded.push(snapshot);
      report.push(`run ${run}: ${seqs.length} delivered, ${snapshot.pendingTasks.length} pending + ${snapshot.runningTasks.length} running in snapshot, ${redelivered} to redo`);
      previous = snapshot;
    }

    // The parent resumes the last snapshot with the same flow definition and store.
    const parentFile = join(dir, 'sink-parent.log');
    const flow = buildCrashFlow({ store, recordFile: parentFile });
    const last = (await store.load(JOB_ID))!;
    const job = flow.resume(last);
    const final = await job.wait();
    await flow.checkpointsFlushed();
    expect(final.status).to.equal('completed');
    expect(final.pendingTasks).to.deep.equal([]);
    expect(final.runningTasks).to.deep.equal([]);
    expect((await store.load(JOB_ID))!.status, 'the last checkpoint is the completed state').to.equal('completed');

    const parent = records(parentFile);
    expect(countDuplicates(parent), 'duplicates within the resumed run').to.equal(0);
    expect(new Set(parent), 'the resumed run delivers exactly what the snapshot owed').to.deep.equal(outstanding(last));

    // Nothing lost, ever: every seq reached the sink at least once.
    const all = [...delivered.flat(), ...parent];
    const seen = new Set(all);
    const missing = Array.from({ length: CRASH_TOTAL }, (_, i) => i).filter((seq) => !seen.has(seq));
    expect(missing, 'seqs that never reached the sink').to.deep.equal([]);

    // Duplicates are bounded by what each snapshot did not count as done at its kill.
    const duplicates = all.length - CRASH_TOTAL;
    const bound = bounds.reduce((a, b) => a + b, 0);
    if (process.env.CRASH_SPEC_VERBOSE) console.log(`${report.join('\n')}\nparent: ${parent.length} delivered; ${duplicates} duplicates, bound ${bound}`);
    expect(duplicates, `${duplicates} duplicates; ${report.join('; ')}`).to.be.at.most(bound);
    expect(readdirSync(dir).filter((name) => name.endsWith('.json'))).to.deep.equal([`${JOB_ID}.json`]);
  });
});
