import type { Command } from 'commander';
import { serveInspector } from '../inspector/serve-inspector.js';
import { collect, type CliContext } from './cli-context.js';
import { loadFlow } from './load-flow.js';
import { openStore } from './open-store.js';
import { parseInteger } from './option-values.js';
import { requireModules } from './require-modules.js';

/** The environment variable the token is read from (a command-line argument shows in `ps`). @example `ROUTILUX_INSPECTOR_TOKEN=$(cat token) routilux inspect --store ./jobs` */
export const TOKEN_ENV = 'ROUTILUX_INSPECTOR_TOKEN';

interface InspectOptions {
  store: string;
  flow: string[];
  require: string[];
  port: string;
  host: string;
  token?: string;
}

/**
 * `routilux inspect --store <dir> [--flow <flow.json>]… [--port <n>]`: serves the inspector
 * page for the jobs of a FileJobStore and the given flows (on which stored jobs can be
 * resumed), until Ctrl-C. Controls (pause, resume, cancel, retry) need a token, taken from
 * `$ROUTILUX_INSPECTOR_TOKEN` (or `--token`); without one the page is read-only.
 *
 * @example
 * ```ts
 * addInspectCommand(program, ctx); // ROUTILUX_INSPECTOR_TOKEN=… routilux inspect --store ./jobs --flow orders.json --require ./routines.js
 * ```
 */
export function addInspectCommand(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('serve the live inspector page for a FileJobStore and flows, until Ctrl-C')
    .requiredOption('--store <dir>', 'the FileJobStore directory whose jobs to list')
    .option('--flow <flow.json>', 'a flow to show (its graph; its stored jobs can be resumed); repeatable', collect, [])
    .option('--require <module>', 'load a module first, e.g. one that registers routine classes (repeatable)', collect, [])
    .option('--port <n>', 'the port (0: any free one)', '7878')
    .option('--host <host>', 'the interface to listen on', '127.0.0.1')
    .option('--token <token>', `enable the controls for requests with this token (prefer $${TOKEN_ENV}: arguments show in ps)`)
    .addHelpText('after', `\nWithout a token (--token or $${TOKEN_ENV}) the page is read-only.`)
    .action(async (o: InspectOptions) => {
      const port = parseInteger(o.port, '--port', 0, 65535);
      await requireModules(o.require, ctx.io.cwd);
      const store = openStore(o.store, ctx.io.cwd, { mustExist: true });
      const flows = o.flow.map((file) => loadFlow(file, { cwd: ctx.io.cwd, store }));
      const token = o.token ?? (ctx.io.env[TOKEN_ENV] || undefined);
      const inspector = await serveInspector({ flows, store, port, host: o.host, token, onWarning: (w) => ctx.io.stderr.write(`${w}\n`) });
      ctx.io.stdout.write(`routilux inspector: ${inspector.url} (${token === undefined ? 'read-only' : 'controls need the token'}; Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = ctx.io.onInterrupt(() => {
          stop();
          resolve();
        });
      });
      await inspector.close();
    });
}
