import { plainToInstance, Transform } from 'class-transformer';
import type { JoinJSON, SlotJSON } from './policy-json.js';

// The classes of flow JSON, for apps that type it with class-transformer:
// `plainToInstance(FlowJSON, json)` gives a FlowJSON holding RoutineJSON, ConnectionJSON and
// ErrorHandlerJSON instances. The library itself reads and writes plain objects (flow-json.ts
// imports these as types only), so a flow never loads class-transformer through them.

/**
 * Types a nested field on `plainToInstance` only. class-transformer's `@Type` would read
 * `Reflect.getMetadata`, i.e. need the global `reflect-metadata` polyfill installed; `@Transform`
 * does not, and the library installs no global. Applied by a call rather than as a decorator,
 * so the build needs no decorator helper.
 */
function typed(owner: new () => object, field: string, target: new () => object): void {
  Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => revive(target, v)) : revive(target, value)), { toClassOnly: true })(owner.prototype as object, field);
}

function revive(ctor: new () => object, value: unknown): unknown {
  return typeof value === 'object' && value !== null ? plainToInstance(ctor, value) : value;
}

/**
 * An error policy as JSON; `retryableErrors` are names from `registerErrorType`.
 *
 * @example
 * ```ts
 * const h: ErrorHandlerJSON = { strategy: 'retry', maxRetries: 3, retryDelay: 100, backoffMultiplier: 2, isCritical: false, retryableErrors: ['TypeError'] };
 * ```
 */
export class ErrorHandlerJSON {
  strategy!: 'stop' | 'continue' | 'retry' | 'skip';
  maxRetries!: number;
  retryDelay!: number;
  backoffMultiplier!: number;
  isCritical!: boolean;
  retryableErrors!: string[];
}

/**
 * A routine as JSON. `config` is plain JSON where the config is plain data; a value JSON cannot
 * carry (a Date, a Map, a BigInt, ...) is written as `{ "$superjson": { json, meta } }`, which
 * `Flow.fromJSON` revives exactly.
 *
 * @example
 * ```ts
 * flow.toJSON().routines[0].type; // 'Parser'
 * ```
 */
export class RoutineJSON {
  id!: string;
  type!: string;
  config!: Record<string, unknown>;
  errorHandler?: ErrorHandlerJSON;
  slots!: Record<string, SlotJSON>;
  joins?: Record<string, JoinJSON>; // only for a routine with joins
}

/** A connection as JSON. @example `flow.toJSON().connections[0].paramMapping` */
export class ConnectionJSON {
  sourceId!: string;
  eventName!: string;
  targetId!: string;
  slotName!: string;
  paramMapping!: Record<string, string>;
}

/**
 * `flow.toJSON()`: `{ format: 'routilux.flow', version: 1, flowId, executionStrategy,
 * maxWorkers, executionTimeout?, errorHandler?, routines, connections }` (plus
 * `activationTimeout?` and `historyLimit`).
 *
 * @example
 * ```ts
 * const json: FlowJSON = flow.toJSON(); json.routines.map((r) => `${r.id}:${r.type}`);
 * ```
 */
export class FlowJSON {
  format!: 'routilux.flow';
  version!: 1;
  flowId!: string;
  executionStrategy!: 'sequential' | 'concurrent';
  maxWorkers!: number;
  executionTimeout?: number;
  activationTimeout?: number;
  historyLimit!: number;
  errorHandler?: ErrorHandlerJSON;
  routines!: RoutineJSON[];
  connections!: ConnectionJSON[];
}

typed(RoutineJSON, 'errorHandler', ErrorHandlerJSON);
typed(FlowJSON, 'errorHandler', ErrorHandlerJSON);
typed(FlowJSON, 'routines', RoutineJSON);
typed(FlowJSON, 'connections', ConnectionJSON);
