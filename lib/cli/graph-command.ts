import { Option, type Command } from 'commander';
import { collect, type CliContext } from './cli-context.js';
import { loadFlow } from './load-flow.js';
import { requireModules } from './require-modules.js';

/**
 * `routilux graph <flow.json> --format mermaid|dot`: prints the flow's graph as a Mermaid
 * flowchart (default) or Graphviz DOT.
 *
 * @example
 * ```ts
 * addGraphCommand(program, ctx); // routilux graph flow.json --format dot | dot -Tsvg > flow.svg
 * ```
 */
export function addGraphCommand(program: Command, ctx: CliContext): void {
  program
    .command('graph')
    .description('print the graph of a flow JSON file as Mermaid or Graphviz DOT')
    .argument('<flow.json>', 'the flow definition')
    .addOption(new Option('--format <format>', 'the output format').choices(['mermaid', 'dot']).default('mermaid'))
    .option('--require <module>', 'load a module first, e.g. one that registers routine classes (repeatable)', collect, [])
    .action(async (file: string, o: { format: 'mermaid' | 'dot'; require: string[] }) => {
      await requireModules(o.require, ctx.io.cwd);
      const flow = loadFlow(file, { cwd: ctx.io.cwd });
      ctx.io.stdout.write(`${o.format === 'dot' ? flow.toDot() : flow.toMermaid()}\n`);
    });
}
