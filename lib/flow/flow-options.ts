import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { ConfigurationError, describeValue, quoteValue } from '../errors/errors.js';
import { ErrorHandler } from '../errors/error-handler.js';
import type { JobStore } from '../state/job-store.js';
import { resolveCheckpointOptions, type CheckpointOptions, type ResolvedCheckpointOptions } from '../runtime/checkpoint-options.js';
import type { JobRunner } from './job-runner.js';

export type { JobRunner } from './job-runner.js';

/**
 * Options of `new Flow(options)`.
 *
 * @example
 * ```ts
 * new Flow({ executionStrategy: 'concurrent', maxWorkers: 10, executionTimeout: 30_000, historyLimit: 1_000 });
 * ```
 */
export interface FlowOptions {
  flowId?: string;
  /** `'sequential'` (default) forces `maxWorkers = 1`. */
  executionStrategy?: 'sequential' | 'concurrent';
  /** Activations in flight at once, per flow, across all its jobs (default 5 when concurrent). */
  maxWorkers?: number;
  /** ms per job (scheduler time, paused time excluded); the job fails with a TimeoutError. */
  executionTimeout?: number;
  /** ms per async activation; a slower one fails with a TimeoutError, handled by the error policy. */
  activationTimeout?: number;
  errorHandler?: ErrorHandler;
  /** All time goes through it (default `asyncScheduler`; pass a TestScheduler for marble tests). */
  scheduler?: SchedulerLike;
  /** Cap on `executionHistory` and tracker entries per job; newest kept (default 10,000). */
  historyLimit?: number;
  store?: JobStore;
  /** When snapshots go to `store` (default `'on-pause'` with a store, else `'never'`). */
  checkpoint?: 'never' | 'on-pause' | 'always';
  /**
   * Who this process is when it leases stored jobs (a store with `acquire`): default a random
   * id per Flow. Jobs resumed or restored from a state are leased while they run here.
   */
  owner?: string;
  /** ms a lease lasts unless renewed (renewed every third of it while the job runs; default 30,000). */
  leaseTtl?: number;
  /** Time limit and retries of each checkpoint save (defaults: 30 s, 5 attempts, 50 ms doubling up to 5 s). */
  checkpointRetry?: CheckpointOptions;
  /**
   * When a checkpoint cannot be written because the state cannot be encoded (a payload holds a
   * function, a symbol, an instance of an unregistered class: a SerializationError naming its
   * path): `'fail'` (default) fails the job with that error, as a failed activation under STOP
   * would, instead of running on with nothing durable; `'report'` only reports it on
   * `flow.checkpointErrors$`. Either way it is reported there.
   */
  onCheckpointError?: 'fail' | 'report';
  /** Runs every job of the flow there (e.g. a `BullMQRunner`: on worker processes); see {@link JobRunner}. */
  runner?: JobRunner;
}

/**
 * Options of `flow.start` / `flow.execute`.
 *
 * @example
 * ```ts
 * flow.start('parser', { text }, { slot: 'in', jobId: 'order-17', timeout: 5_000 } satisfies ExecuteOptions);
 * ```
 */
export interface ExecuteOptions {
  /** The entry routine's slot (default `'trigger'`). */
  slot?: string;
  jobId?: string;
  /** ms; overrides the flow's `executionTimeout` for this job. */
  timeout?: number;
  /** Aborting it cancels the job (with the signal's reason). */
  signal?: AbortSignal;
  /** Runs this job there instead of in this process; `null`: here, even when the flow has a runner. */
  runner?: JobRunner | null;
}

/**
 * Options of `flow.open`.
 *
 * @example
 * ```ts
 * flow.open({ jobId: 'chat-7', timeout: 60_000 } satisfies OpenOptions);
 * ```
 */
export interface OpenOptions {
  jobId?: string;
  /** ms; overrides the flow's `executionTimeout` for this job. */
  timeout?: number;
  /** Aborting it cancels the job (with the signal's reason). */
  signal?: AbortSignal;
  /** Runs this job there instead of in this process; `null`: here, even when the flow has a runner. */
  runner?: JobRunner | null;
}

/**
 * The options of a typed start (`flow.start(slot, params, options)`): those of
 * {@link ExecuteOptions} but the slot, which the handle names.
 *
 * @example
 * ```ts
 * const options: EntryOptions = { jobId: 'order-17', timeout: 5_000 };
 * flow.start(orders.slot('in'), order, options);
 * ```
 */
export type EntryOptions = Omit<ExecuteOptions, 'slot'>;

/** @internal FlowOptions with defaults applied and every value checked. */
export interface ResolvedFlowOptions {
  flowId: string;
  executionStrategy: 'sequential' | 'concurrent';
  maxWorkers: number;
  executionTimeout?: number;
  activationTimeout?: number;
  errorHandler?: ErrorHandler;
  scheduler: SchedulerLike;
  historyLimit: number;
  store?: JobStore;
  checkpoint: 'never' | 'on-pause' | 'always';
  checkpointRetry: ResolvedCheckpointOptions;
  onCheckpointError: 'fail' | 'report';
  owner: string;
  leaseTtl: number;
  runner?: JobRunner;
}

const KNOWN = new Set([
  'flowId', 'executionStrategy', 'maxWorkers', 'executionTimeout', 'activationTimeout', 'errorHandler', 'scheduler', 'historyLimit', 'store', 'checkpoint', 'checkpointRetry', 'owner', 'leaseTtl',
  'onCheckpointError', 'runner',
]);

let flowCounter = 0;

/** More activations in flight than this is a mistake, not a setting (each holds memory). */
const MAX_WORKERS = 1_000_000;
/** History and tracker records kept per job. */
const MAX_HISTORY_LIMIT = 100_000_000;

/** @internal Applies defaults and rejects bad values with a ConfigurationError naming the option. */
export function resolveFlowOptions(options: FlowOptions): ResolvedFlowOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('Flow options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ConfigurationError(`unknown Flow option '${key}'; known options: ${[...KNOWN].join(', ')}`);
  }
  const flowId = options.flowId ?? `flow_${++flowCounter}_${Date.now().toString(36)}`;
  if (typeof flowId !== 'string' || flowId.length === 0) throw new ConfigurationError(`Flow option flowId must be a non-empty string, got ${quoteValue(flowId)}`);
  // More than one worker without a strategy means concurrent (asking for 8 workers and running 1 would be a silent surprise).
  const implied = options.executionStrategy ?? (typeof options.maxWorkers === 'number' && options.maxWorkers > 1 ? 'concurrent' : 'sequential');
  const { executionStrategy, maxWorkers } = checkStrategy(implied, options.maxWorkers);
  const executionTimeout = optionalPositive('executionTimeout', options.executionTimeout);
  const activationTimeout = optionalPositive('activationTimeout', options.activationTimeout);
  if (options.errorHandler !== undefined && !(options.errorHandler instanceof ErrorHandler)) {
    throw new ConfigurationError('Flow option errorHandler must be an ErrorHandler');
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler?.now !== 'function') {
    throw new ConfigurationError('Flow option scheduler must be an RxJS SchedulerLike (with now() and schedule())');
  }
  const historyLimit = options.historyLimit ?? 10_000;
  if (!Number.isInteger(historyLimit) || historyLimit < 0 || historyLimit > MAX_HISTORY_LIMIT) {
    throw new ConfigurationError(`Flow option historyLimit must be an integer from 0 to ${MAX_HISTORY_LIMIT}, got ${describeValue(historyLimit)}`);
  }
  const store = options.store;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.save !== 'function' || typeof store.load !== 'function')) {
    throw new ConfigurationError('Flow option store must be a JobStore (save, load, list, delete)');
  }
  const checkpoint = options.checkpoint ?? (store ? 'on-pause' : 'never');
  if (checkpoint !== 'never' && checkpoint !== 'on-pause' && checkpoint !== 'always') {
    throw new ConfigurationError(`Flow option checkpoint must be 'never', 'on-pause' or 'always', got ${quoteValue(checkpoint)}`);
  }
  if (checkpoint !== 'never' && store === undefined) {
    throw new ConfigurationError(`Flow option checkpoint '${checkpoint}' needs a store`);
  }
  const checkpointRetry = resolveCheckpointOptions(options.checkpointRetry);
  const onCheckpointError = options.onCheckpointError ?? 'fail';
  if (onCheckpointError !== 'fail' && onCheckpointError !== 'report') {
    throw new ConfigurationError(`Flow option onCheckpointError must be 'fail' or 'report', got ${quoteValue(onCheckpointError)}`);
  }
  const owner = options.owner ?? `flow-${flowId}-${randomId()}`;
  if (typeof owner !== 'string' || owner.length === 0) throw new ConfigurationError(`Flow option owner must be a non-empty string, got ${quoteValue(owner)}`);
  const leaseTtl = optionalPositive('leaseTtl', options.leaseTtl) ?? 30_000;
  const runner = checkRunner(options.runner, 'Flow option runner') ?? undefined;
  return { flowId, executionStrategy, maxWorkers, executionTimeout, activationTimeout, errorHandler: options.errorHandler, scheduler, historyLimit, store, checkpoint, checkpointRetry, onCheckpointError, owner, leaseTtl, runner };
}

/** @internal Checks a strategy and worker count; sequential forces one worker. */
export function checkStrategy(strategy: unknown, maxWorkers: unknown): { executionStrategy: 'sequential' | 'concurrent'; maxWorkers: number } {
  if (strategy !== 'sequential' && strategy !== 'concurrent') {
    throw new ConfigurationError(`execution strategy must be 'sequential' or 'concurrent', got ${quoteValue(strategy)}`);
  }
  if (maxWorkers !== undefined && (typeof maxWorkers !== 'number' || !Number.isInteger(maxWorkers) || maxWorkers < 1 || maxWorkers > MAX_WORKERS)) {
    throw new ConfigurationError(`maxWorkers must be an integer from 1 to ${MAX_WORKERS}, got ${describeValue(maxWorkers)}`);
  }
  if (strategy === 'sequential' && maxWorkers !== undefined && maxWorkers !== 1) {
    throw new ConfigurationError(`a sequential flow runs one worker; maxWorkers ${describeValue(maxWorkers)} needs executionStrategy 'concurrent'`);
  }
  return { executionStrategy: strategy, maxWorkers: strategy === 'sequential' ? 1 : ((maxWorkers as number | undefined) ?? 5) };
}

/**
 * @internal A runner option checked: `undefined`, `null` (run here), or a {@link JobRunner}.
 *
 * @throws {ConfigurationError} naming `where` for anything else.
 * @example
 * ```ts
 * const runner = checkRunner(options.runner, 'start options.runner');
 * ```
 */
export function checkRunner(runner: unknown, where: string): JobRunner | null | undefined {
  if (runner === undefined || runner === null) return runner;
  if (typeof runner !== 'object' || typeof (runner as JobRunner).start !== 'function' || typeof (runner as JobRunner).open !== 'function') {
    throw new ConfigurationError(`${where} must be a JobRunner (with start and open, e.g. a BullMQRunner) or null, got ${describeValue(runner)}`);
  }
  return runner as JobRunner;
}

/**
 * @internal The runner of one job: its options' (`null`: none, run here), else the flow's.
 *
 * @throws {ConfigurationError} for a runner option that is not a JobRunner.
 * @example
 * ```ts
 * const runner = jobRunnerOf(options, flow.runner);
 * ```
 */
export function jobRunnerOf(options: { runner?: unknown } | undefined, flowRunner: JobRunner | undefined): JobRunner | undefined {
  const own = checkRunner(options?.runner, 'options.runner');
  return own === undefined ? flowRunner : (own ?? undefined);
}

function optionalPositive(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || value > Number.MAX_SAFE_INTEGER) {
    throw new ConfigurationError(`Flow option ${name} must be a positive finite number of ms, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * @internal The options of `Flow.fromJSON` that are not in the JSON (runtime-only settings).
 *
 * @example
 * ```ts
 * new Flow({ ...settingsFromJSON, ...runtimeOptions({ scheduler }) });
 * ```
 */
export function runtimeOptions(options: { scheduler?: SchedulerLike; store?: JobStore; checkpoint?: 'never' | 'on-pause' | 'always'; onCheckpointError?: 'fail' | 'report' }): FlowOptions {
  return {
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    ...(options.onCheckpointError !== undefined ? { onCheckpointError: options.onCheckpointError } : {}),
  };
}

/** A random id for a lease owner (crypto.randomUUID where there is one: Node, browsers). */
function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
