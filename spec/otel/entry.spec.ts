import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm test` builds before mocha runs: routilux/otel from the built package, by its own name.
const root = fileURLToPath(new URL('../..', import.meta.url));
const node = (args: string[], code: string) => execFileSync(process.execPath, [...args, '-e', code], { cwd: root, encoding: 'utf8' }).trim();

describe('routilux/otel entry (built dist)', () => {
  it('loads with import() and require(), and traces with a registered provider', () => {
    const program = `
      const { Flow, Routine } = r; const { instrumentFlow } = o;
      const { trace } = api; const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = sdk;
      const exporter = new InMemorySpanExporter();
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      const flow = new Flow({ flowId: 'pkg' }); const s = new Routine(); s.defineSlot('trigger', () => {}); flow.addRoutine(s, 's');
      instrumentFlow(flow);
      flow.execute('s', {}).then(() => console.log(exporter.getFinishedSpans().map((x) => x.name).sort().join(',')));`;
    const esm = node(['--input-type=module'], `const r = await import('routilux'); const o = await import('routilux/otel'); const api = await import('@opentelemetry/api'); const sdk = await import('@opentelemetry/sdk-trace-base');${program}`);
    expect(esm).to.equal('job pkg,s.trigger');
    const cjs = node(['--input-type=commonjs'], `const r = require('routilux'); const o = require('routilux/otel'); const api = require('@opentelemetry/api'); const sdk = require('@opentelemetry/sdk-trace-base');${program}`);
    expect(cjs).to.equal('job pkg,s.trigger');
  });

  it('@opentelemetry/api stays external and out of every other entry (an optional peer)', () => {
    const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
    const files = (readdirSync(dist, { recursive: true }) as string[]).filter((f) => /\.c?js$/.test(f));
    const otel = files.filter((f) => f.startsWith('otel/')).map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
    expect(otel).to.match(/from '@opentelemetry\/api'/);
    expect(otel).to.not.match(/class ProxyTracerProvider\b/);
    for (const file of files.filter((f) => !f.startsWith('otel/'))) expect(readFileSync(join(dist, file), 'utf8'), file).to.not.include('@opentelemetry');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { peerDependenciesMeta: Record<string, { optional?: boolean }> };
    expect(pkg.peerDependenciesMeta['@opentelemetry/api'].optional).to.equal(true);
  });
});
