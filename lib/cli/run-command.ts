import type { Command } from 'commander';
import { collect, type CliContext } from './cli-context.js';
import { loadFlow } from './load-flow.js';
import { openStore } from './open-store.js';
import { parseInteger, parseParams } from './option-values.js';
import { requireModules } from './require-modules.js';
import { watchJob } from './watch-job.js';

interface RunOptions {
  entry: string;
  params?: string;
  slot?: string;
  store?: string;
  require: string[];
  jobId?: string;
  timeout?: string;
  progress?: boolean;
  json?: boolean;
}

/**
 * `routilux run <flow.json> --entry <routineId> …`: runs one job of a flow file to its end,
 * with a live progress line on a terminal, then prints its summary. Exit code 0 completed,
 * 1 failed or cancelled, 2 paused.
 *
 * @example
 * ```ts
 * addRunCommand(program, ctx); // routilux run examples/flows/orders.json --entry intake --require ./examples/flows/routines.js
 * ```
 */
export function addRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run a job of a flow JSON file and print the final job state')
    .argument('<flow.json>', 'the flow definition (flow.toJSON() output)')
    .requiredOption('--entry <routineId>', 'the routine that starts the job')
    .option('--params <json>', 'entry params, a JSON object', '{}')
    .option('--slot <name>', 'the entry slot (default: trigger)')
    .option('--store <dir>', 'checkpoint the job to a FileJobStore in <dir> (resumable with `routilux jobs resume`)')
    .option('--require <module>', 'load a module first, e.g. one that registers routine classes (repeatable)', collect, [])
    .option('--job-id <id>', 'the job id (default: generated)')
    .option('--timeout <ms>', 'fail the job after this many milliseconds')
    .option('--progress', 'show the progress line even when stderr is not a terminal')
    .option('--no-progress', 'never show the progress line')
    .option('--json', 'print the final job state as JSON instead of a summary')
    .addHelpText('after', '\nExit code: 0 completed, 1 failed or cancelled (or an error), 2 paused.\nCtrl-C pauses the job with --store (resume it later), else cancels it.')
    .action(async (file: string, o: RunOptions) => {
      const params = parseParams(o.params ?? '{}');
      const timeout = o.timeout === undefined ? undefined : parseInteger(o.timeout, '--timeout', 1);
      await requireModules(o.require, ctx.io.cwd);
      const store = o.store === undefined ? undefined : openStore(o.store, ctx.io.cwd, { mustExist: false });
      const flow = loadFlow(file, { cwd: ctx.io.cwd, store });
      const job = flow.start(o.entry, params, { ...(o.slot !== undefined ? { slot: o.slot } : {}), ...(o.jobId !== undefined ? { jobId: o.jobId } : {}), ...(timeout !== undefined ? { timeout } : {}) });
      ctx.exitCode = await watchJob(flow, job, ctx.io, { progress: o.progress ?? ctx.io.stderr.isTTY === true, json: o.json === true });
    });
}
