/**
 * Routilux: event-driven workflow orchestration built natively on RxJS.
 *
 * This is the portable core, what `routilux` resolves to outside Node (browsers, workers, a
 * bundle for the browser): it imports nothing Node-only. In Node, `routilux` is `index.ts`,
 * this plus `FileJobStore` and an AsyncLocalStorage (see `routilux/node`).
 *
 * @example
 * ```ts
 * import { Flow, Routine } from 'routilux';
 * ```
 * @packageDocumentation
 * @module routilux
 */

// Routines: nodes, their inputs and outputs.
export { Routine, type SlotOptions, type FlushHandler } from './model/routine.js';
export { Slot, type SlotHandler } from './model/slot.js';
export { Event } from './model/event.js';
export type { ExecutionContext } from './model/execution-context.js';
export { setAsyncContextStorage, type AsyncContextStorage } from './model/async-context-storage.js';
export type { Payload } from './core/payload.js';
export type { MergeStrategy, MergeFunction, TypedMergeStrategy } from './model/merge.js';
export type { Placement } from './model/placement.js';

// Activation policies: joins, batches, windows, custom policies.
export { Join, type JoinMode, type JoinOptions } from './model/join.js';
export type { BatchOptions, SlotActivationOptions } from './model/slot-policy.js';
export { registerActivationPolicy, type ActivationPolicyFunction, type ActivationDecision } from './model/activation-policy.js';
export type { PolicyCellState, PolicyKind } from './core/policy-cell-state.js';

// Typed flows and validation (issue 18).
export { ValidationError, type ValidationIssue } from './errors/errors.js';
export type { EventOptions, Collected, CollectingSlotOptions, TypedCollectingSlotOptions, TypedSlotOptions, NotCollecting } from './model/slot-options.js';
export type {
  Appended, PlainSlotOptions, PlainMerge, MergedSlotOptions, GeneralSlotOptions, Admitting, Admitted, ByName, NoExtraOptions, Received, Fallback, CollectedItem,
} from './model/slot-payload-types.js';
export type { Admits, AdmitsMerged, ClassTakes, Merged, AdmittedInput, DataOf, DataOfField, Writable, ReadonlyDeep } from './model/slot-admits.js';
export type { SchemaOf, ClassOf, MaybeAdmitting, MaybeKey, OverrideMerge, Unpoliced, Collects, Declared, NoExtraCollecting } from './model/slot-option-shape.js';
export type { AnyPorts, PortMap, PortData, PayloadIfAny, EmitData, EmitArgs, PayloadArgs, TypedName, UntypedName } from './model/typed-ports.js';
export type { MappedPayload, ParamMappingOf } from './flow/typed-wiring.js';
export type { EntryOptions } from './flow/flow-options.js';
export { FlowWiring } from './flow/flow-wiring.js';

// Flows and jobs.
export { Flow, type ExecuteOptions } from './flow/flow.js';
export type { FlowOptions, OpenOptions } from './flow/flow-options.js';
export type { JobRunner } from './flow/job-runner.js';
export { Connection, compileMapping } from './model/connection.js';
export { Job, JobFailedStreamError, type WaitOptions } from './flow/job.js';

// Job state: immutable snapshots and their records.
export { JobState, type JobStateFields } from './state/job-state.js';
export { registerJobStateMigration, type JobStateMigration } from './state/job-state-migrations.js';
export type {
  JobStatus,
  RoutineStatus,
  RoutineState,
  ExecutionRecord,
  PendingTask,
  PausePoint,
  DeferredEvent,
  OutputRecord,
  Emission,
  EmissionKind,
  JobError,
} from './core/records.js';
export type { InspectRecord } from './core/inspect-records.js';
export type { OperatorState, OperatorInput } from './core/operator-state.js';

// Errors and error policies.
export {
  RoutiluxError,
  ConfigurationError,
  SerializationError,
  JobStateError,
  TimeoutError,
  CancelledError,
  JobFailedError,
  StoreError,
  WorkerLostError,
} from './errors/errors.js';
export { ErrorHandler, ErrorStrategy, type ErrorHandlerOptions, type RetryableError } from './errors/error-handler.js';

// Execution tracking.
export {
  ExecutionTracker,
  type ActivationRecord,
  type TrackerState,
  type TrackerTotals,
  type DeliveryRecord,
  type RoutinePerformance,
  type FlowPerformance,
} from './runtime/execution-tracker.js';

// Serialization.
export { registerRoutine, routineType, registerMergeStrategy, RoutineRegistry, defaultRegistry, type RoutineConstructor } from './serialization/routine-registry.js';
export { registerErrorType } from './serialization/error-type-registry.js';
export { FlowJSON, RoutineJSON, ConnectionJSON, ErrorHandlerJSON } from './serialization/flow-json-classes.js';
export type { SlotJSON, JoinJSON } from './serialization/policy-json.js';
export type { FlowFromJSONOptions } from './serialization/flow-json.js';
export { JOB_JSON_VERSION, type JobStateJSON } from './state/job-state-json.js';
export { registerPayloadClass, type PayloadClass } from './core/payload-classes.js';

// Persistence.
export type { JobStore, JobLease, PruneOptions } from './state/job-store.js';
export { diffJobStates, applyJournalEntry, type JournalEntry, type FieldChange } from './state/job-journal.js';
export { journalEntryToJSON, journalEntryFromJSON, type JournalEntryJSON } from './state/job-journal-json.js';
export { MemoryJobStore } from './persistence/memory-store.js';
export type { CheckpointOptions } from './runtime/checkpoint-options.js';
export type { CheckpointError } from './runtime/checkpointer.js';

// RxJS interop.
export { attachOperator, type OperatorRoutineOptions } from './model/operator-routine.js';
export { throughFlow, throughFlowEach, type ThroughFlowOptions, type ThroughFlowEachOptions } from './rx/through-flow.js';

// Built-in routines (each registered under its class name).
export { TextClipper, looksLikeStackTrace, type TextClipperConfig } from './builtins/text-clipper.js';
export { TextRenderer, renderValue, type RenderOptions, type TextRendererConfig } from './builtins/text-renderer.js';
export { ResultExtractor, type ExtractionStrategy, type ResultExtractorConfig } from './builtins/result-extractor.js';
export { registerExtractor, defaultExtractorOrder, findFencedBlocks, type Extractor, type ExtractorResult, type FencedBlock } from './builtins/extractors.js';
export { TimeProvider, type TimeProviderConfig } from './builtins/time-provider.js';
export { formatTime, formatLocale } from './builtins/time-format.js';
export { DataFlattener, flatten, type DataFlattenerConfig, type Flattened } from './builtins/data-flattener.js';
export { DataTransformer, type DataTransformerConfig, type TransformationError } from './builtins/data-transformer.js';
export { registerTransformation, BUILTIN_TRANSFORMATIONS, type Transformation } from './builtins/transformations.js';
export { DataValidator, type DataValidatorConfig, type DataValidationIssue } from './builtins/data-validator.js';
export { registerValidator, BUILTIN_VALIDATORS, type Validator } from './builtins/validators.js';
export { ConditionalRouter, type ConditionalRouterConfig, type Route } from './builtins/conditional-router.js';
export { Filter, type FilterConfig } from './builtins/filter.js';
export { registerPredicate, type Condition, type Predicate } from './builtins/condition.js';
export { Aggregator, AGGREGATOR_MERGE, type AggregatorConfig } from './builtins/aggregator.js';
export { Splitter, type SplitterConfig } from './builtins/splitter.js';
export { Mapper, registerMapper, type MapperConfig, type MapperFunction } from './builtins/mapper.js';
export { inputValue } from './builtins/input.js';
export { Batcher, positiveNumber, type BatcherConfig } from './builtins/batcher.js';
export type { ConfigCheck } from './builtins/config-checks.js';
export { Debouncer, type DebouncerConfig } from './builtins/debouncer.js';
export { Throttler, type ThrottlerConfig } from './builtins/throttler.js';
