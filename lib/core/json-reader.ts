import { SerializationError } from '../errors/errors.js';
import { copyPlain, UncopyableValue } from './copy-plain.js';

/**
 * @internal Small readers for untrusted JSON that fail with a {@link SerializationError}
 * naming the path (`routines[3].type`) and what was expected, instead of dropping data.
 */
export class JsonReader {
  constructor(private readonly what: string) {}

  fail(path: string, expected: string, got: unknown): never {
    throw new SerializationError(`${this.what}: ${path}: expected ${expected}, got ${describe(got)}`);
  }

  /**
   * Parses JSON text, or copies an object: either way what is read and kept is the reader's own,
   * so freezing or rewiring it never touches the caller's data, and a later change to the
   * caller's object never reaches what was loaded.
   */
  root(json: unknown): Record<string, unknown> {
    if (typeof json !== 'string') return this.object('(root)', typeof json === 'object' && json !== null ? this.copy(json) : json);
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new SerializationError(`${this.what}: malformed JSON: ${(error as Error).message}`);
    }
    return this.object('(root)', value);
  }

  private copy(json: unknown): unknown {
    try {
      return copyPlain(json);
    } catch (error) {
      if (!(error instanceof UncopyableValue)) throw error;
      throw new SerializationError(`${this.what}: ${error.path.replace(/^\./, '') || '(root)'}: cannot be copied: ${error.reason}`, { cause: error });
    }
  }

  header(root: Record<string, unknown>, format: string, version: number): void {
    if (root.format !== format) this.fail('format', `'${format}'`, root.format);
    if (root.version !== version) {
      throw new SerializationError(`${this.what}: version: unsupported version ${describe(root.version)}; this library reads version ${version}`);
    }
  }

  object(path: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Record<string, unknown>;
  }

  array(path: string, value: unknown): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value as unknown[];
  }

  string(path: string, value: unknown): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value as string;
  }

  number(path: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'a number', value);
    return value as number;
  }

  oneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T {
    if (!options.includes(value as T)) this.fail(path, `one of ${options.map((o) => `'${o}'`).join(', ')}`, value);
    return value as T;
  }

  optional<T>(value: unknown, read: (v: unknown) => T): T | undefined {
    return value === undefined ? undefined : read(value);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
