import { SerializationError, describeValue } from '../errors/errors.js';
import { setOwn } from '../core/own-property.js';

/**
 * Appended list items in a journal entry, written as rows: each distinct key list (a shape) once,
 * then one array per item, `[shape, ...values]`, or `[-1, item]` for an item that is not a plain
 * object. History, tracker and task records repeat the same keys thousands of times per entry;
 * written once, an entry is about half the size and half the work to stringify.
 *
 * @example
 * ```ts
 * const rows: JournalRows = { shapes: [['routineId', 'eventName']], values: [[0, 'a', 'out'], [0, 'b', 'out']] };
 * ```
 */
export interface JournalRows {
  readonly shapes: readonly (readonly string[])[];
  readonly values: readonly (readonly unknown[])[];
}

const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;

/**
 * @internal `items` (already JSON-encoded) as rows.
 *
 * @example
 * ```ts
 * toRows([{ a: 1 }, { a: 2 }]); // { shapes: [['a']], values: [[0, 1], [0, 2]] }
 * ```
 */
export function toRows(items: readonly unknown[]): JournalRows {
  const shapes: string[][] = [];
  const index = new Map<string, number>();
  const values: unknown[][] = [];
  let lastKeys: string[] = [];
  let lastShape = -1;
  for (const item of items) {
    if (!isPlain(item)) {
      values.push([-1, item]);
      continue;
    }
    const keys = Object.keys(item);
    let shape = lastShape;
    // Records of one list mostly share one shape: compare with the last before hashing.
    if (lastShape === -1 || !sameKeys(keys, lastKeys)) {
      // JSON of the key list, not a join: a join makes [] and [''] (or ['a\u0000b'] and
      // ['a', 'b']) one shape, and rows that do not fit it could never be read back.
      const id = JSON.stringify(keys);
      shape = index.get(id) ?? -1;
      if (shape === -1) {
        shape = shapes.push(keys) - 1;
        index.set(id, shape);
      }
      lastKeys = keys;
      lastShape = shape;
    }
    const row: unknown[] = [shape];
    for (let k = 0; k < keys.length; k++) row.push(item[keys[k]]);
    values.push(row);
  }
  return { shapes, values };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * @internal The items `rows` hold, checked.
 *
 * @throws {SerializationError} naming `path` when the rows are malformed.
 * @example
 * ```ts
 * fromRows({ shapes: [['a']], values: [[0, 1]] }, 'executionHistory'); // [{ a: 1 }]
 * ```
 */
export function fromRows(raw: unknown, path: string): unknown[] {
  const rows = raw as Partial<JournalRows> | null;
  if (typeof rows !== 'object' || rows === null || !Array.isArray(rows.shapes) || !Array.isArray(rows.values)) throw bad(path, `rows must be { shapes, values }, got ${describeValue(raw)}`);
  const shapes = rows.shapes;
  // Plain loops, not forEach/map: those skip the holes of a sparse array, which must fail too.
  for (let i = 0; i < shapes.length; i++) {
    const keys: unknown = shapes[i];
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw bad(path, `shape ${i} is not a list of keys`);
    // A key listed twice would silently drop one of its row's values.
    if (new Set(keys).size !== keys.length) throw bad(path, `shape ${i} lists a key twice`);
  }
  const items: unknown[] = [];
  for (let i = 0; i < rows.values.length; i++) items.push(fromRow(rows.values[i], i, shapes as readonly (readonly string[])[], path));
  return items;
}

/** One row back into its item. */
function fromRow(row: unknown, i: number, shapes: readonly (readonly string[])[], path: string): unknown {
  if (!Array.isArray(row) || !Number.isInteger(row[0])) throw bad(path, `row ${i} is not [shape, ...values]`);
  if (row[0] === -1 && row.length === 2) return row[1];
  // An own index only: shapes[-1] or a hole is no shape.
  const keys = Object.prototype.hasOwnProperty.call(shapes, row[0] as number) ? shapes[row[0] as number] : undefined;
  if (keys === undefined || row.length !== keys.length + 1) throw bad(path, `row ${i} does not fit shape ${String(row[0])}`);
  const item: Record<string, unknown> = {};
  for (let k = 0; k < keys.length; k++) setOwn(item, keys[k], row[k + 1]);
  return item;
}

function bad(path: string, what: string): SerializationError {
  return new SerializationError(`job journal entry: ${path}: ${what}`);
}
