/**
 * A human-in-the-loop flow that pauses, persists and resumes
 * (`npx tsx examples/human-in-the-loop.ts`).
 *
 *   intake ─> review ─(job pauses; a human decides later)─> review.decision ─> publish
 *
 * Part 1 (the "web request"): a job starts; `review` keeps the draft in its routine state and
 * pauses its own job with a checkpoint naming what it waits for. With a FileJobStore and
 * `checkpoint: 'on-pause'`, the paused snapshot is on disk when `job.wait()` resolves.
 *
 * Part 2 (hours later, "another process"): a fresh Flow is rebuilt from the flow JSON, the
 * job state is loaded from the store and resumed, and the reviewer's decision is sent in.
 * `publish` runs and the job completes. A deferred event recorded before the pause
 * (`notify`) is emitted on resume.
 *
 * What it prints:
 *   - `paused: awaiting approval {"draft":"Q3 report"}` and the file the snapshot is in,
 *   - `notify: review resumed` (the deferred event, emitted on resume),
 *   - `published "Q3 report" (approved by alice)`,
 *   - `final status: completed`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow, Routine, FileJobStore, registerRoutine, type ExecutionContext } from 'routilux';

class Intake extends Routine {
  constructor() {
    super();
    this.defineEvent('draft', ['title']);
    this.defineSlot<{ title: string }>('trigger', ({ title }) => this.emit('draft', { title }));
  }
}

class Review extends Routine {
  constructor() {
    super();
    this.defineEvent('approved', ['title', 'by']);
    this.defineEvent('notify', ['message']);
    this.defineSlot<{ title: string }>('in', async ({ title }, ctx) => {
      ctx.updateRoutineState({ draft: title }); // survives persistence with the job state
      this.emitDeferredEvent('notify', { message: 'review resumed' });
      await ctx.flow.pause(ctx.jobId, 'awaiting approval', { draft: title });
    });
    this.defineSlot<{ approved: boolean; by: string }>('decision', (decision, ctx: ExecutionContext) => {
      const draft = ctx.jobState.getRoutineState('review')?.draft as string;
      if (decision.approved) this.emit('approved', { title: draft, by: decision.by });
    });
  }
}

class Publish extends Routine {
  constructor() {
    super();
    this.defineSlot<{ title: string; by: string }>('in', ({ title, by }) => console.log(`published "${title}" (approved by ${by})`));
  }
}

class Notify extends Routine {
  constructor() {
    super();
    this.defineSlot<{ message: string }>('in', ({ message }) => console.log(`notify: ${message}`));
  }
}

// Registered names let Flow.fromJSON rebuild the graph in another process.
registerRoutine('Intake', Intake);
registerRoutine('Review', Review);
registerRoutine('Publish', Publish);
registerRoutine('Notify', Notify);

function buildFlow(store: FileJobStore): Flow {
  const flow = new Flow({ flowId: 'editorial', store, checkpoint: 'on-pause' });
  flow.addRoutine(new Intake(), 'intake');
  flow.addRoutine(new Review(), 'review');
  flow.addRoutine(new Publish(), 'publish');
  flow.addRoutine(new Notify(), 'notify');
  flow.connect('intake', 'draft', 'review', 'in');
  flow.connect('review', 'approved', 'publish', 'in');
  flow.connect('review', 'notify', 'notify', 'in');
  return flow;
}

const dir = mkdtempSync(join(tmpdir(), 'routilux-hitl-'));
try {
  // Part 1: start, pause for a human, persist.
  const store = new FileJobStore(dir);
  const flow = buildFlow(store);
  const flowJSON = JSON.stringify(flow);
  const job = flow.start('intake', { title: 'Q3 report' }, { jobId: 'doc-42' });
  const paused = await job.wait();
  await flow.checkpointsFlushed();
  const point = paused.pausePoints.at(-1)!;
  console.log(`paused: ${point.reason} ${JSON.stringify(point.checkpoint)} -> ${store.pathOf('doc-42')}`);

  // Part 2: another process, later: rebuild the flow, load the job, resume, decide.
  const laterStore = new FileJobStore(dir);
  const laterFlow = Flow.fromJSON(flowJSON, { store: laterStore, checkpoint: 'on-pause' });
  const saved = await laterStore.load('doc-42');
  const resumed = laterFlow.resume(saved!);
  resumed.send('review', 'decision', { approved: true, by: 'alice' });
  const final = await resumed.wait();
  console.log(`final status: ${final.status}`);
  if (final.status !== 'completed') process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
