import type { SchedulerLike } from 'rxjs';
import { RoutiluxError, SerializationError } from '../errors/errors.js';
import { ErrorHandler } from '../errors/error-handler.js';
import type { JobStore } from '../state/job-store.js';
import type { Routine } from '../model/routine.js';
import type { Connection } from '../model/connection.js';
import { defaultRegistry, type RoutineRegistry } from './routine-registry.js';
import { mergeStrategyName } from '../model/merge.js';
import { errorType } from './error-type-registry.js';
import { handlerToJSON } from './error-handler-json.js';
import { JsonReader } from '../core/json-reader.js';
import { fromJSONTree, toJSONTree } from '../core/value-codec.js';
import type { ConnectionJSON, ErrorHandlerJSON, FlowJSON, RoutineJSON } from './flow-json-classes.js';
import { joinsJSON, readJoins, readSlotPolicy, slotPolicyJSON, type JoinJSON, type SlotJSON } from './policy-json.js';

export type { ConnectionJSON, ErrorHandlerJSON, FlowJSON, RoutineJSON } from './flow-json-classes.js';

/**
 * @internal What `flowToJSON` reads of a flow: its settings and its graph.
 *
 * @example
 * ```ts
 * flowToJSON(flow); // a Flow is a FlowDefinition
 * ```
 */
export interface FlowDefinition {
  readonly flowId: string;
  readonly executionStrategy: 'sequential' | 'concurrent';
  readonly maxWorkers: number;
  readonly executionTimeout: number | undefined;
  readonly activationTimeout: number | undefined;
  readonly historyLimit: number;
  readonly errorHandler: ErrorHandler | undefined;
  readonly routines: ReadonlyMap<string, Routine>;
  readonly connections: readonly Connection[];
}

/**
 * @internal The settings a flow JSON carries, as `flowFromJSON` hands them to the flow it builds.
 *
 * @example
 * ```ts
 * flowFromJSON(json, {}, (settings: FlowSettings) => new Flow(settings));
 * ```
 */
export interface FlowSettings {
  flowId: string;
  executionStrategy: 'sequential' | 'concurrent';
  maxWorkers: number;
  executionTimeout?: number;
  activationTimeout?: number;
  historyLimit?: number;
  errorHandler?: ErrorHandler;
}

/**
 * @internal What `flowFromJSON` needs of the flow it builds: adding routines and connections.
 *
 * @example
 * ```ts
 * const builder: FlowBuilder = new Flow();
 * ```
 */
export interface FlowBuilder {
  addRoutine(routine: Routine, id?: string): string;
  connect(sourceId: string, eventName: string, targetId: string, slotName: string, paramMapping?: Record<string, string>): unknown;
}

/**
 * @internal The JSON of a flow's definition.
 *
 * @throws {SerializationError} naming the path of a routine class or merge function that is not
 * registered, or of a config value that cannot be saved (`routines[3].config.onLoad`: a function).
 * @example
 * ```ts
 * JSON.stringify(flowToJSON(flow));
 * ```
 */
export function flowToJSON(flow: FlowDefinition, registry: RoutineRegistry = defaultRegistry): FlowJSON {
  const routines = [...flow.routines.entries()].map(([id, routine], i) => {
    const type = registry.nameOf(routine.constructor);
    if (type === undefined) {
      throw new SerializationError(
        `routines[${i}].type: routine '${id}' is a ${routine.constructor.name}, which is not registered; call registerRoutine('${routine.constructor.name}', ${routine.constructor.name}) (routines made from closures or operators cannot be serialized)`,
      );
    }
    const slots: Record<string, SlotJSON> = {};
    for (const slot of routine.slotList()) {
      const name = mergeStrategyName(slot.mergeStrategy);
      if (name === undefined) {
        throw new SerializationError(`routines[${i}].slots.${slot.name}.mergeStrategy: an inline merge function cannot be serialized; register it with registerMergeStrategy(name, fn) and use the name`);
      }
      slots[slot.name] = { mergeStrategy: name, ...slotPolicyJSON(slot) };
    }
    const handler = routine.getErrorHandler();
    // Lossless or loud: a Date stays a Date; a function is an error naming its path, never dropped.
    const config = toJSONTree(routine.config(), { path: `routines[${i}].config` }) as Record<string, unknown>;
    const json: RoutineJSON = { id, type, config, slots, ...joinsJSON(routine) };
    if (handler) json.errorHandler = handlerToJSON(handler, `routines[${i}].errorHandler`);
    return json;
  });
  // Plain objects out (JSON needs nothing more); class-transformer types the graph on the way in.
  return {
    format: 'routilux.flow',
    version: 1,
    flowId: flow.flowId,
    executionStrategy: flow.executionStrategy,
    maxWorkers: flow.maxWorkers,
    ...(flow.executionTimeout !== undefined ? { executionTimeout: flow.executionTimeout } : {}),
    ...(flow.activationTimeout !== undefined ? { activationTimeout: flow.activationTimeout } : {}),
    historyLimit: flow.historyLimit,
    ...(flow.errorHandler ? { errorHandler: handlerToJSON(flow.errorHandler, 'errorHandler') } : {}),
    routines,
    connections: flow.connections.map((c) => c.toJSON()),
  } as FlowJSON;
}

/**
 * Options of `Flow.fromJSON`: where routine classes come from, and runtime-only settings.
 *
 * @example
 * ```ts
 * Flow.fromJSON(json, { registry, scheduler: testScheduler, store, checkpoint: 'on-pause' } satisfies FlowFromJSONOptions);
 * ```
 */
export interface FlowFromJSONOptions {
  registry?: RoutineRegistry;
  scheduler?: SchedulerLike;
  store?: JobStore;
  checkpoint?: 'never' | 'on-pause' | 'always';
  onCheckpointError?: 'fail' | 'report';
}

/**
 * @internal Rebuilds a flow with `create` (given the settings in the JSON), then its routines
 * and connections.
 *
 * @throws {SerializationError} naming the path of every problem.
 * @example
 * ```ts
 * const flow = flowFromJSON(text, {}, (settings) => new Flow(settings));
 * ```
 */
export function flowFromJSON<F extends FlowBuilder>(json: unknown, options: FlowFromJSONOptions, create: (settings: FlowSettings) => F): F {
  const registry = options.registry ?? defaultRegistry;
  const r = new JsonReader('flow JSON');
  const root = r.root(json);
  r.header(root, 'routilux.flow', 1);
  const strategy = r.oneOf('executionStrategy', root.executionStrategy, ['sequential', 'concurrent'] as const);
  const flow = wrap('(root)', () =>
    create({
      flowId: r.string('flowId', root.flowId),
      executionStrategy: strategy,
      maxWorkers: r.number('maxWorkers', root.maxWorkers),
      ...(root.executionTimeout !== undefined ? { executionTimeout: r.number('executionTimeout', root.executionTimeout) } : {}),
      ...(root.activationTimeout !== undefined ? { activationTimeout: r.number('activationTimeout', root.activationTimeout) } : {}),
      ...(root.historyLimit !== undefined ? { historyLimit: r.number('historyLimit', root.historyLimit) } : {}),
      ...(root.errorHandler !== undefined ? { errorHandler: readHandler(r, 'errorHandler', root.errorHandler) } : {}),
    }),
  );
  // Every field is read through `r` (shape checked, path named), so the parsed objects are read
  // as they are: class-transformer's plainToInstance first cost 0.42 of 0.55 ms on a 100-routine
  // flow, for instances nothing here needs (the JSON classes keep @Type for callers who want them).
  const routines = r.array('routines', root.routines).map((raw, i) => r.object(`routines[${i}]`, raw) as Partial<RoutineJSON>);
  const connections = r.array('connections', root.connections).map((raw, i) => r.object(`connections[${i}]`, raw) as Partial<ConnectionJSON>);
  routines.forEach((o, i) => {
    const p = `routines[${i}]`;
    const id = r.string(`${p}.id`, o.id);
    const type = r.string(`${p}.type`, o.type);
    const ctor = registry.get(type);
    if (ctor === undefined) throw new SerializationError(`flow JSON: ${p}.type: unknown routine type '${type}'; registered types: ${registry.names().join(', ') || '(none)'}`);
    const routine = wrap(`${p}.type`, () => new ctor());
    // `o` is the reader's own copy (parsed or copied), so reviving it in place changes nothing of the caller's.
    const config = r.object(`${p}.config`, fromJSONTree(o.config ?? {}, `flow JSON: ${p}.config`));
    wrap(`${p}.config`, () => routine.setConfig(config));
    if (o.errorHandler !== undefined) routine.setErrorHandler(readHandler(r, `${p}.errorHandler`, o.errorHandler));
    for (const [name, s] of Object.entries(r.object(`${p}.slots`, o.slots ?? {}))) {
      const slot = routine.getSlot(name);
      if (slot === undefined) throw new SerializationError(`flow JSON: ${p}.slots.${name}: routine type '${type}' has no slot '${name}'`);
      const so = r.object(`${p}.slots.${name}`, s);
      const strategy = r.string(`${p}.slots.${name}.mergeStrategy`, so.mergeStrategy);
      wrap(`${p}.slots.${name}.mergeStrategy`, () => slot.setMergeStrategy(strategy));
      readSlotPolicy(slot, so, `${p}.slots.${name}`);
    }
    if (o.joins !== undefined) readJoins(r, routine, type, o.joins, `${p}.joins`);
    wrap(`${p}.id`, () => flow.addRoutine(routine, id));
  });
  connections.forEach((o, i) => {
    const p = `connections[${i}]`;
    const mapping = r.object(`${p}.paramMapping`, o.paramMapping ?? {}) as Record<string, string>;
    wrap(p, () => flow.connect(r.string(`${p}.sourceId`, o.sourceId), r.string(`${p}.eventName`, o.eventName), r.string(`${p}.targetId`, o.targetId), r.string(`${p}.slotName`, o.slotName), mapping));
  });
  return flow;
}

function readHandler(r: JsonReader, path: string, raw: unknown): ErrorHandler {
  const o = r.object(path, raw);
  const retryable = r.array(`${path}.retryableErrors`, o.retryableErrors ?? []).map((n, i) => {
    const name = r.string(`${path}.retryableErrors[${i}]`, n);
    const type = errorType(name);
    if (type === undefined) throw new SerializationError(`flow JSON: ${path}.retryableErrors[${i}]: unknown error type '${name}'; register it with registerErrorType`);
    return type;
  });
  return wrap(path, () =>
    new ErrorHandler({
      strategy: r.oneOf(`${path}.strategy`, o.strategy, ['stop', 'continue', 'retry', 'skip'] as const),
      ...(o.maxRetries !== undefined ? { maxRetries: r.number(`${path}.maxRetries`, o.maxRetries) } : {}),
      ...(o.retryDelay !== undefined ? { retryDelay: r.number(`${path}.retryDelay`, o.retryDelay) } : {}),
      ...(o.backoffMultiplier !== undefined ? { backoffMultiplier: r.number(`${path}.backoffMultiplier`, o.backoffMultiplier) } : {}),
      isCritical: o.isCritical === true,
      retryableErrors: retryable,
    }),
  );
}

/** Re-throws library errors from building the flow as SerializationErrors naming the path. */
function wrap<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    if (error instanceof RoutiluxError) throw new SerializationError(`flow JSON: ${path}: ${error.message}`, { cause: error });
    throw new SerializationError(`flow JSON: ${path}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
