import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appWithPackage, root, tsc } from './packed-app.js';

// Every ```ts block of README.md type-checks (issue 16), against the packed package, strict.
// Blocks are excerpts: each becomes a module whose imports stay on top and whose other lines
// run inside `async function (this: Routine)` (top-level await, a `this` as in a routine's
// constructor), after a prelude that declares what the README's prose takes as known — the
// flow and job of the surrounding text, the app's own routines and streams. A name the block
// imports itself is left out of the prelude's imports.
const PRELUDE_IMPORTS: Record<string, readonly string[]> = {
  routilux: ['Flow', 'Routine', 'Job', 'JobState', 'registerRoutine', 'throughFlow', 'throughFlowEach', 'type Payload', 'type JobStore'],
  rxjs: ['bufferCount', 'type Observable'],
  chai: ['expect'],
};
const PRELUDE_DECLARATIONS = `
declare const flow: Flow;
declare const job: Job;
declare const signal: AbortSignal;
declare const source$: Observable<Payload>;
declare const lines$: Observable<Payload>;
declare const requests$: Observable<Payload>;
declare const payments: { charge(request: { amount: unknown; idempotencyKey: string; signal: AbortSignal }): Promise<unknown> };
declare class Double extends Routine {}
declare const orders: Flow;
declare function ordersFlow(): Flow;
declare const store: JobStore;
declare const sdk: { start(): void };
declare class Parser extends Routine {}
`;

interface Block {
  readonly index: number;
  /** README line of the block's first code line (1-based). */
  readonly line: number;
  readonly code: string;
}

function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ index: blocks.length, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The module for a block, and the number of lines before the block's first non-import line. */
function moduleOf(block: Block): { text: string; bodyLine: number; importLines: number[] } {
  const lines = block.code.split('\n');
  const importLines = lines.flatMap((l, i) => (/^import\s/.test(l) ? [i] : []));
  const imported = new Set(importLines.flatMap((i) => [...(/\{([^}]*)\}/.exec(lines[i])?.[1] ?? '').split(',')].map((n) => n.replace(/^\s*type\s+/, '').trim()).filter(Boolean)));
  const prelude = Object.entries(PRELUDE_IMPORTS)
    .map(([from, names]) => [from, names.filter((n) => !imported.has(n.replace(/^type\s+/, '')))] as const)
    .filter(([, names]) => names.length > 0)
    .map(([from, names]) => `import { ${names.join(', ')} } from '${from}';`);
  const head = [...importLines.map((i) => lines[i]), ...prelude, PRELUDE_DECLARATIONS, `export async function readmeBlock${block.index}(this: Routine): Promise<void> {`];
  const body = lines.map((l, i) => (importLines.includes(i) ? '' : l));
  const text = [...head.join('\n').split('\n'), ...body, '}', ''].join('\n');
  return { text, bodyLine: head.join('\n').split('\n').length + 1, importLines };
}

describe('README.md TypeScript blocks (issue 16)', function () {
  this.timeout(180_000);

  it('every ```ts block type-checks against the packed package (strict)', () => {
    const blocks = tsBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(blocks.length).to.be.greaterThan(5);
    const app = appWithPackage('readme', { link: ['@types/node', 'chai', '@types/chai', 'zod', 'valibot', '@opentelemetry/api', 'bullmq', 'ioredis'] });
    const modules = blocks.map((block) => ({ block, ...moduleOf(block) }));
    for (const m of modules) writeFileSync(join(app, `readme-${m.block.index}.ts`), m.text);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', lib: ['ES2022'], types: ['node'], skipLibCheck: true }, include: ['readme-*.ts'] }),
    );
    let failures: string[] = [];
    try {
      tsc(app, ['-p', '.', '--pretty', 'false']);
    } catch (error) {
      // Name each error by its README line.
      failures = (error as Error).message
        .split('\n')
        .map((line) => /^readme-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map(([, index, line, column, message]) => {
          const m = modules[Number(index)];
          const inBody = Number(line) - m.bodyLine;
          return `README.md:${inBody >= 0 ? m.block.line + inBody : m.block.line}:${column} (block ${index}): ${message}`;
        });
      if (failures.length === 0) throw error;
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });
});
