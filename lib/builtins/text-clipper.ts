import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { boolean, checkConfig, configValue, positiveInteger } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { toText } from './values.js';

/**
 * Config of {@link TextClipper}.
 *
 * @example
 * ```ts
 * const config: TextClipperConfig = { maxLength: 200, preserveTracebacks: false };
 * new TextClipper(config);
 * ```
 */
export type TextClipperConfig = {
  /** Most characters of the original text kept, the note excluded. Positive integer; default 1000. */
  maxLength?: number;
  /** Leave text that looks like a stack trace (see {@link looksLikeStackTrace}) unclipped. Default true. */
  preserveTracebacks?: boolean;
};

/** Python's traceback header line. */
const PYTHON_TRACEBACK = /^\s*Traceback \(most recent call last\):\s*$/m;
/**
 * An indented stack frame `at <where>` ending in a source location `:line` or `:line:column`
 * (optionally in parentheses), or in `(native)` / `(<anonymous>)`: V8/Node `error.stack`
 * and Java print frames this way.
 */
const AT_FRAME = /^[ \t]+at [^\n]*?(?::\d+(?::\d+)?\)?|\((?:native|<anonymous>)\))[ \t]*$/m;

/**
 * Whether text looks like a stack trace: it has a Python `Traceback (most recent call last):`
 * line, or at least one indented `at ...` frame line that ends in a source location such as
 * `(file.js:10:5)`, `file.js:10:5` or `(Main.java:12)`.
 *
 * @example
 * ```ts
 * looksLikeStackTrace('Error: boom\n    at run (/app/main.js:3:9)'); // true
 * looksLikeStackTrace('meet at noon'); // false
 * ```
 */
export function looksLikeStackTrace(text: string): boolean {
  return PYTHON_TRACEBACK.test(text) || AT_FRAME.test(text);
}

/**
 * Clips text to `maxLength` characters by whole lines and appends a note line saying how many
 * lines were cut: `[... 3 more lines clipped]`. When not even the first line fits, that line is
 * cut to `maxLength` characters rather than dropped (it counts as clipped in the note). The
 * note is not counted in `maxLength`. A final newline does not count as an extra line.
 *
 * The value is `payload.data` when present, else the payload; non-strings become text first
 * (objects and arrays as JSON indented by two spaces, so clipping by lines stays meaningful).
 * With `preserveTracebacks` (default), text for which {@link looksLikeStackTrace} is true is
 * passed through whole. Emits `output`: `{ clippedText, wasClipped, originalLength }`, where
 * `originalLength` is the length of the text before clipping.
 *
 * @example
 * ```ts
 * const clip = new TextClipper({ maxLength: 10 });
 * clip.getEvent('output')!.asObservable().subscribe((o) => console.log(o.clippedText));
 * clip.getSlot('input')!.receive({ data: 'line one\nline two\nline three' });
 * // 'line one\n[... 2 more lines clipped]'
 * ```
 */
export class TextClipper extends Routine {
  constructor(config?: TextClipperConfig) {
    super();
    this.defineEvent('output', ['clippedText', 'wasClipped', 'originalLength']);
    defineInputSlots(this, (data) => this.clip(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { maxLength: positiveInteger, preserveTracebacks: boolean });
  }

  private clip(payload: Payload): void {
    const text = toText(inputValue(payload), 2);
    const maxLength = configValue(this, 'maxLength', 1000);
    const preserve = configValue(this, 'preserveTracebacks', true);
    // A final newline is not content: 'abc\n' fits in 3.
    const contentLength = text.endsWith('\n') ? text.length - 1 : text.length;
    const unchanged = contentLength <= maxLength || (preserve && looksLikeStackTrace(text));
    const clippedText = unchanged ? text : clipLines(text, maxLength);
    this.emit('output', { clippedText, wasClipped: !unchanged, originalLength: text.length });
  }
}

/** Whole lines up to `maxLength` characters, then the note; the caller made sure some line is cut. */
function clipLines(text: string, maxLength: number): string {
  const lines = text.split('\n');
  // 'a\nb\n' is two lines, not three.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let kept = 0;
  let length = 0;
  while (kept < lines.length) {
    const next = length + (kept > 0 ? 1 : 0) + lines[kept]!.length;
    if (next > maxLength) break;
    length = next;
    kept++;
  }
  const head = kept > 0 ? lines.slice(0, kept).join('\n') : lines[0]!.slice(0, maxLength);
  const cut = lines.length - kept;
  const more = kept > 0 ? 'more ' : '';
  return `${head}\n[... ${cut} ${more}line${cut === 1 ? '' : 's'} clipped]`;
}

registerRoutine('TextClipper', TextClipper);
