import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError, SerializationError } from '../errors/errors.js';
import { Flow } from '../flow/flow.js';
import type { JobStore } from '../state/job-store.js';
import '../builtins/index.js'; // the built-in routines register themselves: flows may use them

/**
 * Reads a flow JSON file as text.
 *
 * @throws {ConfigurationError} naming the file when it cannot be read.
 * @example
 * ```ts
 * const text = readFlowFile('examples/flows/orders.json', process.cwd());
 * ```
 */
export function readFlowFile(path: string, cwd: string): string {
  const file = resolve(cwd, path);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(`cannot read flow file '${path}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
}

/**
 * Builds the flow of a flow JSON file (routine classes from the registry, so `--require`
 * modules first), with a store to checkpoint every change to when one is given.
 *
 * @throws {SerializationError} naming the file and the path of what cannot be restored, with a
 * hint when no routine class is registered at all.
 * @example
 * ```ts
 * const flow = loadFlow('examples/flows/orders.json', { cwd: process.cwd(), store: new FileJobStore('./jobs') });
 * ```
 */
export function loadFlow(path: string, options: { cwd: string; store?: JobStore }): Flow {
  const text = readFlowFile(path, options.cwd);
  try {
    return Flow.fromJSON(text, options.store === undefined ? {} : { store: options.store, checkpoint: 'always' });
  } catch (error) {
    if (!(error instanceof SerializationError)) throw error;
    const hint = /unknown routine type/.test(error.message) ? ' (pass --require <module> for each module that registers the routine classes the flow uses)' : '';
    throw new SerializationError(`${path}: ${error.message.replace(/^flow JSON: /, '')}${hint}`, { cause: error });
  }
}
