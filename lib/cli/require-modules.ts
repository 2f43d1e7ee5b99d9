import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError, describeError } from '../errors/errors.js';

/**
 * Loads the `--require` modules, in order, for what they do when loaded: register routine
 * classes (`registerRoutine`), merge strategies, error types, payload classes. A path
 * (`./routines.js`) is relative to `cwd`; a bare name is resolved from `cwd` like an import
 * there. Loaded with `import()`, so ESM and CommonJS both work. A module must import
 * `routilux` itself as ESM (`import … from 'routilux'`) to register into the registry the CLI
 * reads (a `require('routilux')` loads the CommonJS build, whose registry is another one).
 *
 * @throws {ConfigurationError} naming the module that is missing or threw while loading.
 * @example
 * ```ts
 * await requireModules(['./examples/flows/routines.js'], process.cwd());
 * ```
 */
export async function requireModules(specifiers: readonly string[], cwd: string): Promise<void> {
  for (const specifier of specifiers) {
    const file = locate(specifier, cwd);
    try {
      await import(pathToFileURL(file).href);
    } catch (error) {
      const { name, message } = describeError(error);
      throw new ConfigurationError(`--require ${specifier}: loading '${file}' threw ${name}: ${message}`, { cause: error });
    }
  }
}

function locate(specifier: string, cwd: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const file = resolve(cwd, specifier);
    if (!existsSync(file)) throw new ConfigurationError(`--require ${specifier}: no such file '${file}'`);
    return file;
  }
  try {
    return createRequire(join(cwd, 'noop.js')).resolve(specifier);
  } catch {
    throw new ConfigurationError(`--require ${specifier}: cannot find module '${specifier}' from '${cwd}'`);
  }
}
