import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { checkConfig, configValue, oneOf, string } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { CIRCULAR, typeName } from './values.js';

/**
 * Config of {@link TextRenderer}.
 *
 * @example
 * ```ts
 * const config: TextRendererConfig = { format: 'markdown', indent: '    ' };
 * new TextRenderer(config);
 * ```
 */
export type TextRendererConfig = {
  /** `'xml'` (default): nested tags; `'markdown'`: nested lists. */
  format?: 'xml' | 'markdown';
  /** Added once per nesting level. Default two spaces. */
  indent?: string;
};

/**
 * How {@link renderValue} lays text out.
 *
 * @example
 * ```ts
 * const options: RenderOptions = { markdown: false, indent: '  ' };
 * ```
 */
export interface RenderOptions {
  readonly markdown: boolean;
  readonly indent: string;
}

/**
 * Renders objects and arrays as readable text for prompts and logs: XML-like tags or Markdown
 * lists, one line per leaf, nested containers indented by `indent` per level.
 *
 * - xml: a field is `<key>value</key>`; a nested container is `<key>`, its lines, `</key>`;
 *   array elements are `<item index="0">...</item>`; an empty container is `<key></key>`.
 *   Keys and text are written as they are (no escaping): the output is for reading, not parsing.
 * - markdown: a field is `- **key**: value`; array elements are numbered `1. value`; a nested
 *   container puts its lines under the item; an empty container is written `{}` or `[]`.
 *
 * Leaves: strings as they are, `null` as `null`, `undefined` as nothing, dates as ISO text.
 * A value that contains itself renders as `[Circular]` where it repeats (a value shared by two
 * branches without a cycle is rendered in both). A non-container value renders as its text.
 * Emits `output`: `{ renderedText, originalType }` (`typeof`-style, with `'array'` and `'null'`).
 *
 * @example
 * ```ts
 * const r = new TextRenderer();
 * r.getEvent('output')!.asObservable().subscribe((o) => console.log(o.renderedText));
 * r.getSlot('input')!.receive({ data: { name: 'Ada', tags: ['x'] } });
 * // <name>Ada</name>
 * // <tags>
 * //   <item index="0">x</item>
 * // </tags>
 * ```
 */
export class TextRenderer extends Routine {
  constructor(config?: TextRendererConfig) {
    super();
    this.defineEvent('output', ['renderedText', 'originalType']);
    defineInputSlots(this, (data) => this.render(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { format: oneOf('xml', 'markdown'), indent: string });
  }

  private render(payload: Payload): void {
    const value = inputValue(payload);
    const options: RenderOptions = {
      markdown: configValue<string>(this, 'format', 'xml') === 'markdown',
      indent: configValue(this, 'indent', '  '),
    };
    this.emit('output', { renderedText: renderValue(value, options), originalType: typeName(value) });
  }
}

/**
 * The text {@link TextRenderer} produces for `value`, usable without a routine.
 *
 * @example
 * ```ts
 * renderValue({ a: 1 }, { markdown: true, indent: '  ' }); // '- **a**: 1'
 * ```
 */
export function renderValue(value: unknown, options: RenderOptions): string {
  return isContainer(value) ? renderContainer(value, 0, [value], options) : leafText(value);
}

function renderContainer(container: object, depth: number, ancestors: unknown[], options: RenderOptions): string {
  const pad = options.indent.repeat(depth);
  const isArray = Array.isArray(container);
  const lines: string[] = [];
  entriesOf(container).forEach(([key, child], position) => {
    const [open, close] = isArray ? labelOfItem(position, options) : labelOfField(key, options);
    if (isContainer(child) && !ancestors.includes(child)) {
      if (entriesOf(child).length === 0) {
        const empty = options.markdown ? ` ${Array.isArray(child) ? '[]' : '{}'}` : '';
        lines.push(`${pad}${open}${empty}${close}`);
        return;
      }
      const inner = renderContainer(child, depth + 1, [...ancestors, child], options);
      lines.push(options.markdown ? `${pad}${open}\n${inner}` : `${pad}${open}\n${inner}\n${pad}${close}`);
      return;
    }
    const text = isContainer(child) ? CIRCULAR : leafText(child);
    lines.push(options.markdown ? `${pad}${open}${text === '' ? '' : ` ${text}`}` : `${pad}${open}${text}${close}`);
  });
  return lines.join('\n');
}

/** [opening, closing] for a field; markdown has no closing part. */
function labelOfField(key: string, options: RenderOptions): [string, string] {
  return options.markdown ? [`- **${key}**:`, ''] : [`<${key}>`, `</${key}>`];
}

function labelOfItem(position: number, options: RenderOptions): [string, string] {
  return options.markdown ? [`${position + 1}.`, ''] : [`<item index="${position}">`, '</item>'];
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !(value instanceof Date);
}

function entriesOf(container: object): Array<[string, unknown]> {
  return Array.isArray(container) ? container.map((v, i) => [String(i), v]) : Object.entries(container);
}

function leafText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  return String(value);
}

registerRoutine('TextRenderer', TextRenderer);
