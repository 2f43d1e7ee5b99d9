import { RoutiluxError, describeError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { boolean, checkConfig, checkNames, configValue, oneOf, routineLabel, stringArray } from './config-checks.js';
import { BASE_CONFIDENCE, defaultExtractorOrder, extractors, type ExtractorResult } from './extractors.js';
import { defineInputSlots, inputValue } from './input.js';
import { isPlainObject, typeName } from './values.js';

/**
 * How {@link ResultExtractor} combines extractors.
 *
 * @example
 * ```ts
 * const strategy: ExtractionStrategy = 'first_match';
 * ```
 */
export type ExtractionStrategy = 'auto' | 'priority' | 'first_match' | 'all';

/**
 * Config of {@link ResultExtractor}.
 *
 * @example
 * ```ts
 * const config: ResultExtractorConfig = { strategy: 'priority', extractorPriority: ['codeBlock'] };
 * new ResultExtractor(config);
 * ```
 */
export type ResultExtractorConfig = {
  /** Default `'auto'`. */
  strategy?: ExtractionStrategy;
  /** For `'priority'`: extractor names tried first, in this order; the rest follow in default order. Default `[]`. */
  extractorPriority?: string[];
  /** `jsonCodeBlock` on/off. Default true. */
  extractJsonBlocks?: boolean;
  /** `codeBlock` on/off. Default true. */
  extractCodeBlocks?: boolean;
  /** `jsonString` on/off. Default true. */
  parseJsonStrings?: boolean;
  /** `interpreterOutput` on/off. Default true. */
  formatInterpreterOutput?: boolean;
  /** Languages `codeBlock` accepts (lower-case; `'text'` = unlabelled); empty = any. Default `[]`. */
  codeBlockLanguages?: string[];
  /** An extractor that throws is recorded and skipped; false rethrows. Default true. */
  continueOnError?: boolean;
  /** When nothing matches, emit the value itself with confidence 0; false throws. Default true. */
  returnOriginalOnFailure?: boolean;
};

/** One extractor failure, as recorded in `metadata.errors`. */
type ExtractorFailure = { extractor: string; message: string };

/** One successful extraction, in output shape. */
type Extraction = {
  extractedResult: unknown;
  format: string;
  metadata: Record<string, unknown>;
  confidence: number;
  extractionPath: string[];
};

/**
 * Pulls a structured result out of LLM-style output. The value is `payload.data` when present,
 * else the payload. Built-in extractors, in default order:
 *
 * 1. `interpreterOutput`: an array of `{ format, content }` records (and strings) from a code
 *    interpreter; the `content` of `format: 'output'` records and the strings, joined by lines.
 * 2. `jsonCodeBlock`: fenced ```` ```json ```` (or unlabelled) blocks; the last one that parses wins.
 * 3. `jsonString`: a string that is, trimmed, a JSON object or array.
 * 4. `codeBlock`: the last other fenced block, as text; `format` is its language.
 * 5. custom extractors ({@link registerExtractor}), in registration order.
 * 6. `object` and `array`: plain objects and arrays as they are.
 *
 * Strategies: `'auto'` runs every extractor and keeps the most confident result (ties: the
 * earlier one); `'first_match'` keeps the first result in default order; `'priority'` keeps the
 * first result with the `extractorPriority` names tried first; `'all'` keeps every result
 * (`extractedResult` is their array, `format` `'multi'`, `metadata.extractions` the details,
 * `confidence` the highest). Confidence: a custom extractor's own, else 0.9 jsonCodeBlock, 0.85
 * jsonString, 0.8 interpreterOutput, 0.7 codeBlock, 0.6 object/array, 0.5 custom; minus 0.3
 * for an empty result. When nothing matches the value itself is emitted with `format` its type
 * name, confidence 0 and an empty path. Emits `output`:
 * `{ extractedResult, format, metadata, confidence, extractionPath }`; `metadata` holds the
 * extractor's own fields plus `extractor`, `strategy` and `errors`.
 *
 * @example
 * ```ts
 * const x = new ResultExtractor();
 * x.getEvent('output')!.asObservable().subscribe((o) => console.log(o.extractedResult, o.format));
 * x.getSlot('input')!.receive({ data: 'Result:\n```json\n{"answer": 42}\n```' }); // { answer: 42 } 'json'
 * ```
 */
export class ResultExtractor extends Routine {
  constructor(config?: ResultExtractorConfig) {
    super();
    this.defineEvent('output', ['extractedResult', 'format', 'metadata', 'confidence', 'extractionPath']);
    defineInputSlots(this, (data) => this.extract(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, {
      strategy: oneOf('auto', 'priority', 'first_match', 'all'),
      extractorPriority: stringArray,
      extractJsonBlocks: boolean,
      extractCodeBlocks: boolean,
      parseJsonStrings: boolean,
      formatInterpreterOutput: boolean,
      codeBlockLanguages: stringArray,
      continueOnError: boolean,
      returnOriginalOnFailure: boolean,
    });
    checkNames(this, 'extractorPriority', (next.extractorPriority as string[] | undefined) ?? [], extractors);
  }

  private extract(payload: Payload): void {
    const value = inputValue(payload);
    const strategy = configValue<ExtractionStrategy>(this, 'strategy', 'auto');
    const config = this.config();
    const errors: ExtractorFailure[] = [];
    const found: Extraction[] = [];
    for (const name of this.order(strategy)) {
      let result: ExtractorResult | undefined | null;
      try {
        result = extractors.get(name)!(value, config);
      } catch (error) {
        if (!configValue(this, 'continueOnError', true)) throw error;
        errors.push({ extractor: name, message: describeError(error).message });
        continue;
      }
      if (result === undefined || result === null) continue;
      found.push(toExtraction(name, result, strategy, errors));
      if (strategy === 'first_match' || strategy === 'priority') break;
    }
    this.emit('output', this.combine(value, strategy, found, errors));
  }

  private order(strategy: ExtractionStrategy): string[] {
    const order = defaultExtractorOrder();
    if (strategy !== 'priority') return order;
    const first = configValue<string[]>(this, 'extractorPriority', []);
    return [...first, ...order.filter((name) => !first.includes(name))];
  }

  private combine(value: unknown, strategy: ExtractionStrategy, found: Extraction[], errors: ExtractorFailure[]): Extraction {
    if (found.length === 0) {
      if (!configValue(this, 'returnOriginalOnFailure', true)) {
        const detail = errors.length > 0 ? `; errors: ${errors.map((e) => `${e.extractor}: ${e.message}`).join('; ')}` : '';
        throw new RoutiluxError(`${routineLabel(this)}: no extractor matched a ${typeName(value)} value${detail}`);
      }
      return { extractedResult: value, format: typeName(value), metadata: { extractor: 'none', strategy, errors }, confidence: 0, extractionPath: [] };
    }
    if (strategy === 'all') {
      return {
        extractedResult: found.map((f) => f.extractedResult),
        format: 'multi',
        metadata: { extractions: found, count: found.length, strategy, errors },
        confidence: Math.max(...found.map((f) => f.confidence)),
        extractionPath: found.map((f) => f.extractionPath[0]!),
      };
    }
    // 'auto' keeps the most confident; the others stopped at their first result.
    return found.reduce((best, f) => (f.confidence > best.confidence ? f : best));
  }
}

function toExtraction(name: string, found: ExtractorResult, strategy: ExtractionStrategy, errors: ExtractorFailure[]): Extraction {
  const own = typeof found.confidence === 'number' && Number.isFinite(found.confidence) ? found.confidence : undefined;
  const base = own ?? (BASE_CONFIDENCE[name] ?? 0.5) - (isEmpty(found.result) ? 0.3 : 0);
  return {
    extractedResult: found.result,
    format: found.format,
    metadata: { ...(found.metadata ?? {}), extractor: name, strategy, errors },
    confidence: Math.round(Math.min(1, Math.max(0, base)) * 100) / 100,
    extractionPath: [name],
  };
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

registerRoutine('ResultExtractor', ResultExtractor);
