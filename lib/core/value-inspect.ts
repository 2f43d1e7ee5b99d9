import { payloadClassOf } from './payload-class-registry.js';
import { plainOfInstance } from './payload-class-check.js';
import { describeFunction, describeObject, keySegment, mapKeySegment, messageOf, UnencodableValue } from './unencodable-value.js';
import { WRAPPER_KEY } from './wrapper-key.js';

/**
 * @internal Every typed array class, by prototype: saved element by element, class kept.
 *
 * @example
 * ```ts
 * TYPED_ARRAYS.some((c) => c.name === 'Float64Array'); // true
 * ```
 */
export const TYPED_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;

/** Leaves superjson saves exactly by itself (a Date, a RegExp, a URL) or through the typed-array rules. */
const LEAVES = new Set<object>([Date.prototype, RegExp.prototype, URL.prototype, ...TYPED_ARRAYS.map((c) => c.prototype)]);

/** A position in the value: its parent and its key there (a path is built only when needed). */
interface Node {
  readonly parent: Node | undefined;
  readonly key: string | number;
  readonly depth: number;
  /** For an object met here first: its children are being walked (meeting it again now is a cycle). */
  open: boolean;
}

/**
 * @internal What {@link inspectValue} found: where plain JSON falls short — the paths (keys
 * from the root) of the smallest subtrees that must go through superjson so that every value
 * in them comes back exactly, each object met twice comes back as one object, and a cycle
 * comes back as one — and `instanceToPlain` of each registered payload class instance met (so
 * it is computed once). No paths: the value is plain JSON, to be written as it is.
 *
 * @example
 * ```ts
 * const { wrap } = inspectValue({ a: 1, when: new Date() }); // wrap: [['when']]
 * ```
 */
export interface Inspection {
  wrap: Array<Array<string | number>>;
  plains: Map<object, unknown> | undefined;
}

const NOTHING: Array<Array<string | number>> = [];
const PLAIN: Inspection = Object.freeze({ wrap: [], plains: undefined }) as Inspection;

/**
 * @internal Walks `value` once: refuses what cannot be saved with an {@link UnencodableValue}
 * naming the path, and finds what plain JSON cannot carry. Nothing is copied or changed.
 *
 * @throws {UnencodableValue} for a function, a symbol, a sparse array, an Error, or an
 * instance of a class that is neither built in nor registered.
 * @example
 * ```ts
 * inspectValue({ n: 1, at: new Date() }).wrap; // [['at']]
 * ```
 */
export function inspectValue(value: unknown): Inspection {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return PLAIN;
  // One inspector is kept and reused (a job state is inspected entry by entry); a nested call
  // (a payload class encoding its plain form) makes its own.
  const inspector = idle ?? new Inspector();
  idle = undefined;
  try {
    inspector.visit(value, ROOT_PARENT, '');
    const wrap = inspector.subtrees();
    return wrap.length === 0 ? PLAIN : { wrap, plains: inspector.plains };
  } finally {
    inspector.reset();
    idle = inspector;
  }
}

let idle: Inspector | undefined;
const SMALL = 16;

/** The root's parent: a sentinel so every real node has one. */
const ROOT_PARENT: Node = { parent: undefined, key: '', depth: -1, open: false };

class Inspector {
  /** Made on the first payload class instance met, and handed over with the result. */
  plains: Map<object, unknown> | undefined;
  // Objects met so far, with where: most values (a task, a history record) hold a handful of
  // objects, found fastest in a short list; past SMALL they go into a Map. (A Map per value,
  // or clearing one, costs more than the whole walk of a small value.)
  private readonly objects: Array<object | undefined> = [];
  private readonly nodes: Array<Node | undefined> = [];
  private count = 0;
  private index: Map<object, Node> | undefined;
  /** Nodes whose subtree must go through superjson (not yet reduced to the outermost ones). */
  private readonly marked: Node[] = [];

  reset(): void {
    // Overwritten, not truncated (cheaper), but emptied: no user object is kept alive here.
    for (let i = 0; i < this.count; i++) this.objects[i] = this.nodes[i] = undefined;
    this.count = 0;
    this.index = undefined;
    if (this.marked.length > 0) this.marked.length = 0;
    this.plains = undefined;
  }

  private find(object: object): Node | undefined {
    if (this.index !== undefined) return this.index.get(object);
    for (let i = 0; i < this.count; i++) if (this.objects[i] === object) return this.nodes[i];
    return undefined;
  }

  private remember(object: object, node: Node): void {
    if (this.index !== undefined) {
      this.index.set(object, node);
      return;
    }
    this.objects[this.count] = object;
    this.nodes[this.count] = node;
    if (++this.count > SMALL) {
      this.index = new Map();
      for (let i = 0; i < this.count; i++) this.index.set(this.objects[i]!, this.nodes[i]!);
    }
  }

  visit(value: unknown, parent: Node, key: string | number): void {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(value) || (value === 0 && 1 / value < 0)) this.mark({ parent, key, depth: parent.depth + 1, open: false });
        return;
      case 'bigint':
      case 'undefined':
        this.mark({ parent, key, depth: parent.depth + 1, open: false });
        return;
      case 'function':
        throw new UnencodableValue('', describeFunction(value));
      case 'symbol':
        throw new UnencodableValue('', 'a symbol');
    }
    if (value === null) return;
    const object = value as object;
    const met = this.find(object);
    if (met !== undefined) {
      // Met again (a cycle when `met` is still open): both places go into one superjson subtree.
      this.mark(met.open ? met : lowestCommon(met, { parent, key, depth: parent.depth + 1, open: false }));
      return;
    }
    const node: Node = { parent, key, depth: parent.depth + 1, open: true };
    this.remember(object, node);
    const proto = Object.getPrototypeOf(object) as object | null;
    if (proto === Array.prototype && Array.isArray(object)) this.array(object, node);
    else if (proto === Object.prototype || proto === null) this.record(object as Record<string, unknown>, node, proto === null);
    else this.other(object, proto, node);
    node.open = false;
  }

  private mark(node: Node): void {
    this.marked.push(node);
  }

  /** The paths of the outermost marked nodes (a marked node inside another is covered by it). */
  subtrees(): Array<Array<string | number>> {
    if (this.marked.length === 0) return NOTHING;
    const set = new Set(this.marked);
    const out: Array<Array<string | number>> = [];
    for (const node of set) {
      let covered = false;
      for (let up = node.parent; up !== undefined && !covered; up = up.parent) covered = set.has(up);
      if (!covered) out.push(pathOf(node));
    }
    return out;
  }

  private array(items: unknown[], visit: Node): void {
    let i = 0;
    try {
      for (; i < items.length; i++) {
        const item = items[i];
        if (item === undefined && !(i in items)) throw new UnencodableValue('', 'a hole in a sparse array (JSON would turn it into null)');
        this.visit(item, visit, i);
      }
    } catch (error) {
      throw within(error, `[${i}]`);
    }
  }

  private record(record: Record<string, unknown>, visit: Node, nullPrototype: boolean): void {
    // Symbol-keyed properties are not looked for: like JSON.stringify, structuredClone and
    // superjson, the codec takes an object's data to be its enumerable string keys (checking
    // for symbols cost a quarter of the whole walk).
    const keys = Object.keys(record);
    if (nullPrototype || (keys.length === 1 && keys[0] === WRAPPER_KEY)) this.mark(visit);
    let key = '';
    try {
      for (let i = 0; i < keys.length; i++) {
        key = keys[i];
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') this.mark(visit);
        this.visit(record[key], visit, key);
      }
    } catch (error) {
      throw within(error, keySegment(key));
    }
  }

  private other(object: object, proto: object, visit: Node): void {
    this.mark(visit);
    // A Date, Map, Set, RegExp or URL is saved by its contents alone: a property of its own
    // beside them would be dropped, so it is refused. (A typed array's are not looked for, as
    // an array's are not: the keys of its elements would be listed too, one string each.)
    if (!ArrayBuffer.isView(object) && (LEAVES.has(proto) || proto === Map.prototype || proto === Set.prototype)) refuseOwnData(object, proto);
    if (LEAVES.has(proto)) return;
    if (proto === Map.prototype) return this.map(object as Map<unknown, unknown>, visit);
    if (proto === Set.prototype) return this.set(object as Set<unknown>, visit);
    const registered = payloadClassOf(proto);
    if (registered === undefined) throw new UnencodableValue('', describeObject(object, proto));
    const plain = plainOfInstance(object, registered.name, registered.ctor);
    (this.plains ??= new Map()).set(object, plain);
    // What is saved is the plain form (class-transformer's copy), so that is what is checked:
    // its paths are the instance's own field names.
    if (typeof plain === 'object' && plain !== null) this.visit(plain, visit, 'plain');
  }

  private map(map: Map<unknown, unknown>, visit: Node): void {
    let i = 0;
    let segment = '';
    try {
      for (const [key, value] of map) {
        segment = `.keys()[${i}]`;
        this.visit(key, visit, i);
        segment = mapKeySegment(key, i);
        this.visit(value, visit, i);
        i++;
      }
    } catch (error) {
      throw within(error, segment);
    }
  }

  private set(set: Set<unknown>, visit: Node): void {
    let i = 0;
    try {
      for (const value of set) {
        this.visit(value, visit, i);
        i++;
      }
    } catch (error) {
      throw within(error, `.values()[${i}]`);
    }
  }

}

/** Refuses a built-in value that carries enumerable properties of its own (see Inspector.other). */
function refuseOwnData(object: object, proto: object): void {
  for (const key in object) {
    if (Object.prototype.hasOwnProperty.call(object, key)) {
      throw new UnencodableValue('', `a ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'built-in value'} with a property of its own ('${key}'): only its contents are saved, so the property would be dropped`);
    }
  }
}

function lowestCommon(a: Node, b: Node): Node {
  let x: Node = a;
  let y: Node = b;
  while (x.depth > y.depth) x = x.parent!;
  while (y.depth > x.depth) y = y.parent!;
  while (x !== y) {
    x = x.parent!;
    y = y.parent!;
  }
  return x;
}

function pathOf(node: Node): Array<string | number> {
  const keys: Array<string | number> = [];
  for (let n: Node = node; n.depth > 0; n = n.parent!) keys.push(n.key);
  return keys.reverse();
}


/** Adds the segment of the child that failed in front of the path so far. */
function within(error: unknown, segment: string): Error {
  if (error instanceof UnencodableValue) return new UnencodableValue(segment + error.path, error.reason);
  if (error instanceof RangeError) return error; // the stack ran out: reported once, at the top
  return new UnencodableValue(segment, `a value whose reading threw: ${messageOf(error)}`);
}
