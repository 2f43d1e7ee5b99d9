import type { Command } from 'commander';
import { ConfigurationError } from '../errors/errors.js';
import { collect, type CliContext } from './cli-context.js';
import { formatJobSummary } from './job-summary.js';
import { loadFlow } from './load-flow.js';
import { openStore } from './open-store.js';
import { parseDuration, parseStatuses } from './option-values.js';
import { requireModules } from './require-modules.js';
import { loadStoredJobs } from '../inspect/stored-jobs.js';
import { grouped, humanDuration, textTable } from './text-table.js';
import { watchJob } from './watch-job.js';
import { cancelStoredJob } from './cancel-stored-job.js';

interface FlowOptions {
  store: string;
  flow: string;
  require: string[];
}

/**
 * `routilux jobs list|show|resume|cancel|prune --store <dir>`: the jobs of a FileJobStore.
 * `resume` and `cancel` need the flow (`--flow <flow.json>` and its `--require` modules): a
 * stored job runs again only on its own definition, under its lease.
 *
 * @example
 * ```ts
 * addJobsCommand(program, ctx); // routilux jobs list --store ./jobs
 * ```
 */
export function addJobsCommand(program: Command, ctx: CliContext): void {
  const jobs = program.command('jobs').description('list, show, resume, cancel and prune the jobs of a FileJobStore');
  const io = ctx.io;

  jobs
    .command('list')
    .description('list the stored jobs, most recently updated first')
    .requiredOption('--store <dir>', 'the FileJobStore directory')
    .option('--json', 'one JSON object per job: id, flow, status, times, queued, error')
    .action(async (o: { store: string; json?: boolean }) => {
      const all = await loadStoredJobs(openStore(o.store, io.cwd, { mustExist: true }));
      const now = Date.now();
      if (o.json) {
        for (const j of all) {
          const s = 'state' in j ? j.state : undefined;
          const row = s === undefined ? { jobId: j.jobId, problem: 'problem' in j ? j.problem : '' } : { jobId: s.jobId, flowId: s.flowId, status: s.status, createdAt: s.createdAt, updatedAt: s.updatedAt, queued: s.pendingTasks.length, error: s.error };
          io.stdout.write(`${JSON.stringify(row)}\n`);
        }
        return;
      }
      if (all.length === 0) return void io.stdout.write(`no jobs in ${o.store}\n`);
      const rows = all.map((j) =>
        'state' in j
          ? [j.jobId, j.state.flowId, j.state.status, `${humanDuration(now - j.state.updatedAt)} ago`, grouped(j.state.pendingTasks.length), j.state.error ? `${j.state.error.name}: ${j.state.error.message}` : '']
          : [j.jobId, '?', 'unreadable', '', '', j.problem],
      );
      io.stdout.write(`${textTable(['job', 'flow', 'status', 'updated', 'queued', 'error'], rows)}\n`);
    });

  jobs
    .command('show')
    .description('show one stored job: routines, queue, pause points, newest history')
    .argument('<jobId>', 'the job id')
    .requiredOption('--store <dir>', 'the FileJobStore directory')
    .option('--json', 'print the stored job state as JSON')
    .action(async (jobId: string, o: { store: string; json?: boolean }) => {
      const state = await openStore(o.store, io.cwd, { mustExist: true }).load(jobId);
      if (state === undefined) throw new ConfigurationError(`no job '${jobId}' in ${o.store}`);
      io.stdout.write(`${o.json ? JSON.stringify(state) : formatJobSummary(state, { now: Date.now(), detail: true })}\n`);
    });

  withFlow(jobs.command('resume'))
    .description('resume a paused, failed or interrupted stored job and follow it to its end')
    .argument('<jobId>', 'the job id')
    .option('--progress', 'show the progress line even when stderr is not a terminal')
    .option('--no-progress', 'never show the progress line')
    .option('--json', 'print the final job state as JSON instead of a summary')
    .addHelpText('after', '\nExit code: 0 completed, 1 failed or cancelled (or an error), 2 paused.')
    .action(async (jobId: string, o: FlowOptions & { progress?: boolean; json?: boolean }) => {
      const flow = await storedFlow(o, ctx);
      const job = await flow.resumeStored(jobId);
      ctx.exitCode = await watchJob(flow, job, io, { progress: o.progress ?? io.stderr.isTTY === true, json: o.json === true });
    });

  withFlow(jobs.command('cancel'))
    .description('cancel a stored job that is not running elsewhere (its state is kept, cancelled)')
    .argument('<jobId>', 'the job id')
    .option('--reason <text>', 'why', 'cancelled from the command line')
    .action(async (jobId: string, o: FlowOptions & { reason: string }) => {
      await requireModules(o.require, io.cwd);
      const state = await cancelStoredJob(openStore(o.store, io.cwd, { mustExist: true }), jobId, o.reason, (store) => loadFlow(o.flow, { cwd: io.cwd, store }));
      io.stdout.write(`job ${state.jobId}: ${state.status}\n`);
    });

  jobs
    .command('prune')
    .description('delete stored jobs by status and age (jobs whose lease is held are kept)')
    .requiredOption('--store <dir>', 'the FileJobStore directory')
    .option('--status <list>', 'comma-separated statuses to delete', 'completed,cancelled')
    .option('--older-than <duration>', 'only jobs not updated for this long: 500, 90s, 15m, 12h, 7d', '0')
    .action(async (o: { store: string; status: string; olderThan: string }) => {
      const statuses = parseStatuses(o.status, '--status');
      const olderThan = parseDuration(o.olderThan, '--older-than');
      const n = await openStore(o.store, io.cwd, { mustExist: true }).prune({ statuses, olderThan });
      io.stdout.write(`pruned ${n} job(s) from ${o.store}\n`);
    });
}

function withFlow(command: Command): Command {
  return command
    .requiredOption('--store <dir>', 'the FileJobStore directory')
    .requiredOption('--flow <flow.json>', 'the flow definition the job belongs to')
    .option('--require <module>', 'load a module first, e.g. one that registers routine classes (repeatable)', collect, []);
}

async function storedFlow(o: FlowOptions, ctx: CliContext) {
  await requireModules(o.require, ctx.io.cwd);
  return loadFlow(o.flow, { cwd: ctx.io.cwd, store: openStore(o.store, ctx.io.cwd, { mustExist: true }) });
}
