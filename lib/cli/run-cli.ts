import { Command, CommanderError } from 'commander';
import { describeError } from '../errors/errors.js';
import type { CliContext } from './cli-context.js';
import type { CliIO } from './cli-io.js';
import { addGraphCommand } from './graph-command.js';
import { addInspectCommand } from './inspect-command.js';
import { addJobsCommand } from './jobs-command.js';
import { packageVersion } from './package-version.js';
import { addRunCommand } from './run-command.js';
import { addValidateCommand } from './validate-command.js';

/**
 * Runs the `routilux` command line with `args` (without `node` and the script) and resolves
 * with the exit code. Every error — bad usage, a bad file, a flow that cannot load — is one
 * line on stderr, `routilux: <what was wrong>`, and exit code 1.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['validate', 'flow.json'], nodeIO());
 * ```
 */
export async function runCli(args: readonly string[], io: CliIO): Promise<number> {
  const ctx: CliContext = { io, exitCode: 0 };
  const program = new Command('routilux')
    .description('Run, check, draw and inspect Routilux flows and their stored jobs.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // commander's own errors (unknown option, missing argument) as one line, like ours
      outputError: (text, write) => write(`routilux: ${oneLine(text.replace(/^error: /, ''))}\n`),
    })
    .addHelpText('after', '\nExit codes: 0 success (a completed job), 1 an error or a failed or cancelled job, 2 a paused job.');
  program.exitOverride(); // before the commands are added: they inherit it, and the output settings
  for (const add of [addRunCommand, addValidateCommand, addGraphCommand, addJobsCommand, addInspectCommand]) add(program, ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const { message } = describeError(error);
    io.stderr.write(`routilux: ${oneLine(message)}\n`);
    return 1;
  }
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}
