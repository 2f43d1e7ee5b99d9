import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileJobStore, type JobState, type Payload, type PendingTask } from '../../lib/index.js';
import { LiveChildren } from '../helpers/live-children.js';
import { SINKS, SOAK_FLOW_ID, SOAK_JOB_ID, SOAK_TOTAL, type SinkName, type SoakRecord } from '../fixtures/soak-flow.js';
import { childScript } from '../helpers/child-script.js';

// Issue 15: durable across processes. A soak of the crash test over a flow with every kind of
// state a job keeps (fan-out, an append fan-in with a flush, a RETRY policy, a Batcher, an
// operator routine, payload classes, Dates and Maps): SIGKILL a worker at random moments 20+
// times, resume the job from the FileJobStore in a new process each time, let the last one
// finish, and check from what the sinks recorded that nothing was lost, every value came back
// with its types and content, and duplicates stayed within the window of the last checkpoint.

const CHILD = fileURLToPath(new URL('../fixtures/soak-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KILLS = 21;

type Owed = Record<SinkName, Set<string>>;

/** The record lines of one run, in order. */
function records(file: string): SoakRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as SoakRecord);
}

const seqKey = (p: Payload): string => String(p.seq);
const branchKey = (p: Payload): string => `${p.branch}:${p.seq}`;

/** The append slot keeps one array per key: the items it holds. */
function zip(data: Payload | undefined): Payload[] {
  const seqs = (data?.seq as unknown[] | undefined) ?? [];
  return seqs.map((seq, i) => ({ seq, branch: (data!.branch as unknown[])[i] }));
}

/** What a task at a sink delivers: its item keys. */
function sinkTaskKeys(task: PendingTask): string[] {
  const d = task.data;
  if (task.routineId === 'sinkA') return [seqKey(d)];
  if (task.routineId === 'opSink') return (d.value as Payload[]).map(seqKey);
  return (d.items as Payload[]).flatMap((g) => (g.group as Payload[]).map(branchKey));
}

/**
 * Everything a snapshot still owes each sink: the items of every task queued, running or
 * failed anywhere in the graph, held in the append slot of `agg`, or in the replay log of an
 * operator routine (`batch`, `op`). An over-approximation is safe for the checks below; a
 * place missed here would show up as a resumed run delivering something "already done".
 */
function owed(state: JobState): Owed {
  const out: Owed = { sinkA: new Set(), batchSink: new Set(), opSink: new Set() };
  const tasks = [...state.pendingTasks, ...state.runningTasks, ...(state.failedTask ? [state.failedTask] : [])];
  const fromA = (p: Payload) => (out.sinkA.add(seqKey(p)), out.batchSink.add(`A:${p.seq}`));
  const fromB = (p: Payload) => (out.opSink.add(seqKey(p)), out.batchSink.add(`B:${p.seq}`));
  const group = (p: Payload) => (p.group as Payload[]).forEach((item) => out.batchSink.add(branchKey(item)));
  for (const t of tasks) {
    switch (t.routineId) {
      case 'source':
        // The source emits from `from` on (the first activation: from 0).
        for (let seq = (t.data.from as number | undefined) ?? 0; seq < SOAK_TOTAL; seq++) [fromA, fromB].forEach((f) => f({ seq }));
        break;
      case 'fanA':
        fromA(t.data);
        break;
      case 'fanB':
        fromB(t.data);
        break;
      case 'agg':
        out.batchSink.add(branchKey(t.data));
        zip(t.merged).forEach((item) => out.batchSink.add(branchKey(item)));
        break;
      case 'batch':
        group(t.data);
        break;
      case 'op':
        out.opSink.add(seqKey(t.data));
        break;
      default:
        for (const key of sinkTaskKeys(t)) out[t.routineId as SinkName].add(key);
    }
  }
  zip(state.slotData['agg.in']).forEach((item) => out.batchSink.add(branchKey(item)));
  for (const input of state.operators.batch?.inputs ?? []) group(input.data);
  for (const input of state.operators.op?.inputs ?? []) out.opSink.add(seqKey(input.data));
  return out;
}

const children = new LiveChildren();

const isSinkTask = (t: PendingTask): boolean => (SINKS as readonly string[]).includes(t.routineId);

function sinkActivations(state: JobState | undefined): number {
  return SINKS.reduce((n, sink) => n + (state?.getRoutineState(sink)?.activations ?? 0), 0);
}

/**
 * Runs one child. With `killAfterMs` it SIGKILLs the child that long after it said `ready` and
 * the job's first save landed (and rejects if the child exits first); without, it waits for the
 * child to finish.
 */
async function runChild(dir: string, tag: string, killAfterMs?: number): Promise<{ killed: boolean; stdout: string }> {
  const script = await childScript(CHILD); // (bundled once: see childScript)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, tag], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    // Checkpoints are written while the job runs on, so on a loaded machine whose writes lag, a
    // fresh job's first save could still be missing at every kill: the kill is armed once it landed.
    const jobFile = new FileJobStore(dir).pathOf(SOAK_JOB_ID);
    let saved: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (killAfterMs !== undefined && saved === undefined && stdout.includes('ready\n')) {
        saved = setInterval(() => {
          if (!existsSync(jobFile)) return;
          clearInterval(saved);
          timer = setTimeout(() => (killed = child.kill('SIGKILL')), killAfterMs);
        }, 2);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(saved);
      clearTimeout(timer);
      if (killAfterMs !== undefined && !(killed && signal === 'SIGKILL')) reject(new Error(`run ${tag} ended before its kill (${code ?? signal}): ${stdout} ${stderr}`));
      else if (killAfterMs === undefined && code !== 0) reject(new Error(`run ${tag} exited with ${code ?? signal}: ${stderr}`));
      else resolve({ killed, stdout });
    });
  });
}

describe('crash soak: 20+ SIGKILLs over fan-out, append fan-in, RETRY, Batcher, an operator routine and payload classes', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'routilux-soak-'));
  });
  after(async () => {
    await children.stop(); // one still writing into `dir` would make its removal fail (ENOTEMPTY)
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it(`loses nothing, restores every value exactly, and duplicates only what a snapshot still owed at a kill`, async () => {
    const runs: SoakRecord[][] = []; // per run, what the sinks recorded
    const snapshots: JobState[] = []; // per killed run, the snapshot on disk after its kill
    const report: string[] = [];

    for (let kill = 0; kill < KILLS; kill++) {
      let state: JobState | undefined;
      // A kill can land before the first checkpoint of the fresh job: then nothing was saved,
      // and the first run is tried again (its records belong to no saved job).
      for (let attempt = 0; ; attempt++) {
        expect(attempt, 'no checkpoint was ever written').to.be.lessThan(5);
        const tag = `${kill}-${attempt}`;
        await runChild(dir, tag, 100 + Math.floor(Math.random() * 300));
        // A fresh store, as a restarted process would have: the file must always parse.
        state = await new FileJobStore(dir).load(SOAK_JOB_ID);
        if (state !== undefined) {
          runs.push(records(join(dir, `rec-${tag}.log`)));
          break;
        }
        rmSync(join(dir, `rec-${tag}.log`), { force: true });
      }
      expect(state!.jobId).to.equal(SOAK_JOB_ID);
      expect(state!.flowId).to.equal(SOAK_FLOW_ID);
      expect(state!.status, `snapshot after kill ${kill}`).to.equal('running');
      snapshots.push(state!);
    }

    // The last worker runs the job to its end.
    const finalTag = 'final';
    const { stdout } = await runChild(dir, finalTag);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!), stdout).to.deep.include({ status: 'completed', resumed: true });
    runs.push(records(join(dir, `rec-${finalTag}.log`)));
    const end = (await new FileJobStore(dir).load(SOAK_JOB_ID))!;
    expect(end.status, 'the last checkpoint is the completed state').to.equal('completed');
    expect(end.pendingTasks).to.deep.equal([]);
    expect(end.runningTasks).to.deep.equal([]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.json'))).to.deep.equal([`${SOAK_JOB_ID}.json`]);

    // Every value arrived as it was made: Parcel with its Label, Date, Map, same content.
    const problems = runs.flat().flatMap((r) => r.problems.map((p) => `${r.sink}: ${p}`));
    expect(problems, 'values not restored exactly').to.deep.equal([]);

    // Nothing lost: every item reached every sink at least once.
    const expected: Record<SinkName, string[]> = {
      sinkA: Array.from({ length: SOAK_TOTAL }, (_, seq) => String(seq)),
      opSink: Array.from({ length: SOAK_TOTAL }, (_, seq) => String(seq)),
      batchSink: Array.from({ length: SOAK_TOTAL }, (_, seq) => [`A:${seq}`, `B:${seq}`]).flat(),
    };
    for (const sink of SINKS) {
      const seen = new Set(runs.flat().filter((r) => r.sink === sink).flatMap((r) => r.keys));
      expect(expected[sink].filter((key) => !seen.has(key)), `items that never reached ${sink}`).to.deep.equal([]);
      expect([...seen].filter((key) => !expected[sink].includes(key)), `unexpected items at ${sink}`).to.deep.equal([]);
    }

    let duplicates = 0;
    let bound = 0;
    for (let run = 0; run < runs.length; run++) {
      const recs = runs[run];
      // Within one process, an item reaches a sink once (the RETRY of fanA re-runs an
      // activation that emitted nothing).
      for (const sink of SINKS) {
        const keys = recs.filter((r) => r.sink === sink).flatMap((r) => r.keys);
        expect(keys.length - new Set(keys).size, `duplicates at ${sink} within run ${run}`).to.equal(0);
      }
      // A resumed run delivers only what the snapshot it started from still owed.
      if (run > 0) {
        const before = owed(snapshots[run - 1]);
        for (const r of recs) for (const key of r.keys) expect(before[r.sink].has(key), `run ${run} delivered ${r.sink} ${key}, which snapshot ${run - 1} had as done`).to.equal(true);
      }
      if (run === runs.length - 1) break;
      // Duplicates come only from deliveries the snapshot at this kill did not count as done:
      // the sink activations after the last checkpoint written before the kill, plus those
      // running when it was written (a sink records first, then awaits a timer).
      const snapshot = snapshots[run];
      const owedAgain = owed(snapshot);
      const runningAtSinks = snapshot.runningTasks.filter(isSinkTask).length;
      const notCheckpointed = recs.length - (sinkActivations(snapshot) - sinkActivations(snapshots[run - 1])) + runningAtSinks;
      const redone = recs.filter((r) => r.keys.some((key) => owedAgain[r.sink].has(key))).length;
      expect(redone, `run ${run}: sink activations to be redone`).to.be.at.most(notCheckpointed);
      // Item deliveries of this run that will happen again: they bound the duplicates below.
      bound += recs.reduce((n, r) => n + r.keys.filter((key) => owedAgain[r.sink].has(key)).length, 0);
      // What a snapshot owes only shrinks: nothing done comes back as work.
      if (run > 0) {
        const before = owed(snapshots[run - 1]);
        for (const sink of SINKS) for (const key of owedAgain[sink]) expect(before[sink].has(key), `snapshot ${run} owes ${sink} ${key}, done in snapshot ${run - 1}`).to.equal(true);
      }
      report.push(`run ${run}: ${recs.length} records, ${snapshot.pendingTasks.length} pending + ${snapshot.runningTasks.length} running (${runningAtSinks} at sinks), ${redone} to redo`);

      // A sink activation queued or running in the snapshot keeps its activationId: if it
      // already ran before the kill it ran under that id, and it runs again under the same id.
      for (const task of [...snapshot.pendingTasks, ...snapshot.runningTasks].filter(isSinkTask)) {
        const id = `${SOAK_JOB_ID}/${task.seq}`;
        const keys = sinkTaskKeys(task).join(',');
        const same = (r: SoakRecord) => r.sink === task.routineId && r.keys.join(',') === keys;
        for (const r of recs.filter(same)) expect(r.activationId, `${task.routineId} [${keys}] before kill ${run}`).to.equal(id);
        const later = runs.slice(run + 1).flat().find(same);
        expect(later?.activationId, `${task.routineId} [${keys}] queued at kill ${run}, delivered later`).to.equal(id);
      }
    }
    // Each repeated item delivery follows an earlier one that a snapshot at a kill still owed.
    for (const sink of SINKS) {
      const keys = runs.flat().filter((r) => r.sink === sink).flatMap((r) => r.keys);
      duplicates += keys.length - new Set(keys).size;
    }
    if (process.env.SOAK_SPEC_VERBOSE) console.log(`${report.join('\n')}\n${duplicates} duplicate item deliveries, bound ${bound}`);
    expect(duplicates, report.join('; ')).to.be.at.most(bound);
  });
});
