/**
 * Where the CLI reads and writes: the process's streams, working directory and environment in
 * `routilux`, something in-memory in a test. Commands never touch `process` directly.
 *
 * @example
 * ```ts
 * const io: CliIO = nodeIO();
 * io.stdout.write('hello\n');
 * ```
 */
export interface CliIO {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Calls `handler` on Ctrl-C (SIGINT) or SIGTERM; returns the function that stops listening. */
  onInterrupt(handler: () => void): () => void;
}

/** A writable text stream, and whether it is a terminal (then `columns` is its width). @example `io.stderr.isTTY && io.stderr.write('\r…')` */
export interface CliStream {
  write(text: string): void;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * The real process: its stdout and stderr, `process.cwd()`, `process.env`, and its signals.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), nodeIO());
 * ```
 */
export function nodeIO(): CliIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}
