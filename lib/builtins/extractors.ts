import { NamedRegistry } from './named-registry.js';
import { isPlainObject } from './values.js';

/**
 * What an extractor found: the result, its format name, optional metadata and an optional
 * confidence in [0, 1] (when absent the routine scores it, see `ResultExtractor`).
 *
 * @example
 * ```ts
 * const found: ExtractorResult = { result: { ok: true }, format: 'json', metadata: { source: 'tag' } };
 * ```
 */
export type ExtractorResult = {
  result: unknown;
  format: string;
  metadata?: Record<string, unknown>;
  confidence?: number;
};

/**
 * Pulls a result out of a value, or returns `undefined`/`null` when it does not apply. Gets the
 * routine's whole config (a copy), so it can honour its own switches.
 *
 * @example
 * ```ts
 * const answerTag: Extractor = (value) => {
 *   const m = typeof value === 'string' ? /<answer>([\s\S]*?)<\/answer>/.exec(value) : null;
 *   return m ? { result: m[1]!.trim(), format: 'text', confidence: 0.95 } : undefined;
 * };
 * ```
 */
export type Extractor = (value: unknown, config: Readonly<Record<string, unknown>>) => ExtractorResult | undefined | null;

/**
 * One fenced block of Markdown text. `language` is lower-cased, `'text'` when the fence has none.
 *
 * @example
 * ```ts
 * const block: FencedBlock = { language: 'json', content: '{"a":1}', index: 0 };
 * ```
 */
export interface FencedBlock {
  language: string;
  content: string;
  index: number;
}

// A fence: ``` then an optional language (also ```{json}), the rest of the line, the body,
// and the closing ```. Lazy so that consecutive blocks stay separate.
const FENCE = /```[ \t]*\{?([A-Za-z0-9_+#.-]*)\}?[^\n]*\n([\s\S]*?)\n?[ \t]*```/g;

/**
 * Every fenced code block of `text`, in document order.
 *
 * @example
 * ```ts
 * findFencedBlocks('```json\n{"a":1}\n```'); // [{ language: 'json', content: '{"a":1}', index: 0 }]
 * ```
 */
export function findFencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  for (const match of text.matchAll(FENCE)) {
    blocks.push({ language: (match[1] || 'text').toLowerCase(), content: match[2]!, index: blocks.length });
  }
  return blocks;
}

function enabled(config: Readonly<Record<string, unknown>>, key: string): boolean {
  return config[key] !== false;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Code-interpreter output: an array of `{ format, content }` records and/or strings. */
const interpreterOutput: Extractor = (value, config) => {
  if (!Array.isArray(value) || !enabled(config, 'formatInterpreterOutput')) return undefined;
  const structured = value.some((item) => isPlainObject(item) && ('format' in item || 'content' in item));
  if (!structured) return undefined;
  const lines: string[] = [];
  for (const item of value) {
    if (typeof item === 'string' && item.trim() !== '') lines.push(item);
    else if (isPlainObject(item) && item.format === 'output' && item.content != null && String(item.content).trim() !== '') {
      lines.push(typeof item.content === 'string' ? item.content : JSON.stringify(item.content));
    }
  }
  if (lines.length === 0) return undefined;
  return { result: lines.join('\n'), format: 'interpreterOutput', metadata: { outputCount: lines.length } };
};

/** The last ```json (or unlabelled) block that parses; earlier ones are fallbacks. */
const jsonCodeBlock: Extractor = (value, config) => {
  if (typeof value !== 'string' || !enabled(config, 'extractJsonBlocks')) return undefined;
  const all = findFencedBlocks(value);
  const candidates = all.filter((b) => b.language === 'json' || b.language === 'text');
  for (let i = candidates.length - 1; i >= 0; i--) {
    const parsed = parseJson(candidates[i]!.content.trim());
    if (parsed.ok) {
      return { result: parsed.value, format: 'json', metadata: { blockCount: all.length, blockIndex: candidates[i]!.index } };
    }
  }
  return undefined;
};

/** The whole string is a JSON object or array. */
const jsonString: Extractor = (value, config) => {
  if (typeof value !== 'string' || !enabled(config, 'parseJsonStrings')) return undefined;
  const text = value.trim();
  if (!(text.startsWith('{') || text.startsWith('['))) return undefined;
  const parsed = parseJson(text);
  return parsed.ok ? { result: parsed.value, format: 'json', metadata: {} } : undefined;
};

/** The last non-JSON fenced block, as text; limited to `codeBlockLanguages` when that is non-empty. */
const codeBlock: Extractor = (value, config) => {
  if (typeof value !== 'string' || !enabled(config, 'extractCodeBlocks')) return undefined;
  const languages = Array.isArray(config.codeBlockLanguages) ? (config.codeBlockLanguages as string[]).map((l) => l.toLowerCase()) : [];
  const all = findFencedBlocks(value);
  const eligible = all.filter((b) => b.language !== 'json' && (languages.length === 0 || languages.includes(b.language)));
  const block = eligible[eligible.length - 1];
  if (block === undefined) return undefined;
  return { result: block.content, format: block.language, metadata: { language: block.language, blockCount: all.length, blockIndex: block.index } };
};

const object: Extractor = (value) =>
  isPlainObject(value) ? { result: value, format: 'object', metadata: { keyCount: Object.keys(value).length } } : undefined;

const array: Extractor = (value) =>
  Array.isArray(value) ? { result: value, format: 'array', metadata: { itemCount: value.length } } : undefined;

/**
 * Names of the built-ins that run before custom extractors, in order.
 *
 * @example
 * ```ts
 * SPECIFIC_EXTRACTORS[0]; // 'interpreterOutput'
 * ```
 */
export const SPECIFIC_EXTRACTORS = ['interpreterOutput', 'jsonCodeBlock', 'jsonString', 'codeBlock'] as const;
/**
 * Names of the built-in fallbacks that run after custom extractors, in order.
 *
 * @example
 * ```ts
 * GENERIC_EXTRACTORS; // ['object', 'array']
 * ```
 */
export const GENERIC_EXTRACTORS = ['object', 'array'] as const;

/**
 * The score of each built-in when its result is not empty (an empty one scores 0.3 less).
 * Custom extractors score 0.5 unless they return their own `confidence`.
 *
 * @example
 * ```ts
 * BASE_CONFIDENCE.jsonCodeBlock; // 0.9
 * ```
 */
export const BASE_CONFIDENCE: Readonly<Record<string, number>> = {
  interpreterOutput: 0.8,
  jsonCodeBlock: 0.9,
  jsonString: 0.85,
  codeBlock: 0.7,
  object: 0.6,
  array: 0.6,
};

/**
 * @internal The table of built-in and registered extractors.
 *
 * @example
 * ```ts
 * extractors.has('jsonString'); // true
 * ```
 */
export const extractors = new NamedRegistry<Extractor>('extractor', 'registerExtractor', {
  interpreterOutput,
  jsonCodeBlock,
  jsonString,
  codeBlock,
  object,
  array,
});

/**
 * Registers a custom extractor for every `ResultExtractor`. Its position in the default order
 * is after the specific built-ins (`interpreterOutput`, `jsonCodeBlock`, `jsonString`,
 * `codeBlock`) and before the generic fallbacks (`object`, `array`), custom extractors in
 * registration order. Strategy `'priority'` with `extractorPriority` can move it first.
 * Built-in names cannot be replaced. An extractor that throws is recorded in
 * `metadata.errors` and skipped (unless `continueOnError` is false).
 *
 * @example
 * ```ts
 * registerExtractor('answerTag', (value) => {
 *   const m = typeof value === 'string' ? /<answer>([\s\S]*?)<\/answer>/.exec(value) : null;
 *   return m ? { result: m[1]!.trim(), format: 'text', confidence: 0.95 } : undefined;
 * });
 * ```
 */
export function registerExtractor(name: string, fn: Extractor): void {
  extractors.register(name, fn);
}

/**
 * The default order: specific built-ins, custom extractors in registration order, fallbacks.
 *
 * @example
 * ```ts
 * defaultExtractorOrder(); // ['interpreterOutput', 'jsonCodeBlock', 'jsonString', 'codeBlock', ...custom, 'object', 'array']
 * ```
 */
export function defaultExtractorOrder(): string[] {
  return [...SPECIFIC_EXTRACTORS, ...extractors.customNames(), ...GENERIC_EXTRACTORS];
}
