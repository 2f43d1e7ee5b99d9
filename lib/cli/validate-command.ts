import type { Command } from 'commander';
import { collect, type CliContext } from './cli-context.js';
import { flowProblems } from './flow-problems.js';
import { readFlowFile } from './load-flow.js';
import { requireModules } from './require-modules.js';

/**
 * `routilux validate <flow.json> [--require …]`: prints every problem of a flow file with its
 * JSON path, one per line on stdout; exit code 1 when there is any.
 *
 * @example
 * ```ts
 * addValidateCommand(program, ctx); // routilux validate flow.json --require ./routines.js
 * ```
 */
export function addValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check a flow JSON file and list every problem with its JSON path')
    .argument('<flow.json>', 'the flow definition')
    .option('--require <module>', 'load a module first, e.g. one that registers routine classes (repeatable)', collect, [])
    .addHelpText('after', '\nExit code: 0 when the flow is valid, 1 when it has problems (or on an error).')
    .action(async (file: string, o: { require: string[] }) => {
      await requireModules(o.require, ctx.io.cwd);
      const text = readFlowFile(file, ctx.io.cwd);
      const problems = flowProblems(text);
      if (problems.length === 0) {
        const json = JSON.parse(text) as { flowId: string; routines: unknown[]; connections: unknown[] };
        ctx.io.stdout.write(`${file}: valid (flow ${json.flowId}: ${json.routines.length} routine(s), ${json.connections.length} connection(s))\n`);
        return;
      }
      for (const p of problems) ctx.io.stdout.write(`${file}: ${p.path}: ${p.message}\n`);
      ctx.io.stderr.write(`routilux: ${problems.length} problem(s) in ${file}\n`);
      ctx.exitCode = 1;
    });
}
