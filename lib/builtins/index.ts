/**
 * The built-in routines. Each is registered under its class name when this module loads, so
 * flows containing them round-trip through `flow.toJSON()` / `Flow.fromJSON()`. Named
 * functions (predicates, transformations, validators, mappers, extractors) are referred to by
 * name in config: register them before configuring routines or rebuilding flows.
 */

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
export { Debouncer, type DebouncerConfig } from './debouncer.js';
export { Throttler, type ThrottlerConfig } from './throttler.js';
