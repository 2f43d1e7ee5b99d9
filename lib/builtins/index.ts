/**
 * The built-in routines. Each is registered under its class name when this module loads, so
 * flows containing them round-trip through `flow.toJSON()` / `Flow.fromJSON()`. Named
 * functions (predicates, transformations, validators, mappers, extractors) are referred to by
 * name in config: register them before configuring routines or rebuilding flows.
 *
 * @packageDocumentation
 * @module routilux/builtins
 */

// Every built-in routine class. Referencing them all here is what makes `import 'routilux/builtins'`
// register them all in a bundle: this file is the one in `sideEffects`, while each built-in's
// own module is dropped by bundlers when the app does not use it (its registration with it).
import { TextClipper } from './text-clipper.js';
import { TextRenderer } from './text-renderer.js';
import { ResultExtractor } from './result-extractor.js';
import { TimeProvider } from './time-provider.js';
import { DataFlattener } from './data-flattener.js';
import { DataTransformer } from './data-transformer.js';
import { DataValidator } from './data-validator.js';
import { ConditionalRouter } from './conditional-router.js';
import { Filter } from './filter.js';
import { Aggregator } from './aggregator.js';
import { Splitter } from './splitter.js';
import { Mapper } from './mapper.js';
import { Batcher } from './batcher.js';
import { Debouncer } from './debouncer.js';
import { Throttler } from './throttler.js';

// Text
export { TextClipper, looksLikeStackTrace, type TextClipperConfig } from './text-clipper.js';
export { TextRenderer, renderValue, type RenderOptions, type TextRendererConfig } from './text-renderer.js';
export {
  ResultExtractor,
  type ExtractionStrategy,
  type ResultExtractorConfig,
} from './result-extractor.js';
export {
  registerExtractor,
  defaultExtractorOrder,
  findFencedBlocks,
  type Extractor,
  type ExtractorResult,
  type FencedBlock,
} from './extractors.js';

// Time
export { TimeProvider, type TimeProviderConfig } from './time-provider.js';
export { formatTime, formatLocale } from './time-format.js';

// Data
export { DataFlattener, flatten, type DataFlattenerConfig, type Flattened } from './data-flattener.js';
export { DataTransformer, type DataTransformerConfig, type TransformationError } from './data-transformer.js';
export { registerTransformation, BUILTIN_TRANSFORMATIONS, type Transformation } from './transformations.js';
export { DataValidator, type DataValidatorConfig, type DataValidationIssue } from './data-validator.js';
export { registerValidator, BUILTIN_VALIDATORS, type Validator } from './validators.js';

// Control flow
export { ConditionalRouter, type ConditionalRouterConfig, type Route } from './conditional-router.js';
export { Filter, type FilterConfig } from './filter.js';
export { registerPredicate, type Condition, type Predicate } from './condition.js';
export { Aggregator, AGGREGATOR_MERGE, type AggregatorConfig } from './aggregator.js';
export { Splitter, type SplitterConfig } from './splitter.js';
export { Mapper, registerMapper, type MapperConfig, type MapperFunction } from './mapper.js';

// Shared rule of every built-in
export { inputValue } from './input.js';

// RxJS-native, timed on the flow's scheduler
export { Batcher, positiveNumber, type BatcherConfig } from './batcher.js';
export type { ConfigCheck } from './config-checks.js';
export { Debouncer, type DebouncerConfig } from './debouncer.js';
export { Throttler, type ThrottlerConfig } from './throttler.js';

/**
 * Every built-in routine class, each registered under its class name. In Node every built-in
 * is registered once Routilux loads; in a bundle a built-in is registered when the app imports
 * it, and importing this entry (`import 'routilux/builtins'`) registers them all, e.g. before
 * `Flow.fromJSON` of flows that name built-ins the app's code does not import.
 *
 * @example
 * ```ts
 * import { BUILTIN_ROUTINES } from 'routilux/builtins';
 * BUILTIN_ROUTINES.map((ctor) => ctor.name); // ['TextClipper', 'TextRenderer', ...]
 * ```
 */
export const BUILTIN_ROUTINES = Object.freeze([
  TextClipper, TextRenderer, ResultExtractor, TimeProvider, DataFlattener, DataTransformer, DataValidator,
  ConditionalRouter, Filter, Aggregator, Splitter, Mapper, Batcher, Debouncer, Throttler,
] as const);
