#!/usr/bin/env node
/**
 * The `routilux` executable (the package's `bin`): `routilux --help`. Once the command is done
 * the process ends by itself, after what is still being written (a stored job's lease is let
 * go after its last checkpoint); something a routine module left running (a timer, a socket)
 * gets a few seconds, then the process ends anyway.
 *
 * @example
 * ```sh
 * npx routilux run examples/flows/orders.json --entry intake --require ./examples/flows/routines.js
 * ```
 * @packageDocumentation
 */
import { nodeIO } from './cli-io.js';
// Types only (erased from the JS): the bin's declaration file is then not empty.
export type { CliIO, CliStream } from './cli-io.js';
import { runCli } from './run-cli.js';

const GRACE_MS = 5000;

void runCli(process.argv.slice(2), nodeIO()).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), GRACE_MS).unref();
});
