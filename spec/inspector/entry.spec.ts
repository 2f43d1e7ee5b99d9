import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `npm test` builds before mocha runs: routilux/inspect from the built package, by its own name.
const root = fileURLToPath(new URL('../..', import.meta.url));
const node = (type: string, code: string) => execFileSync(process.execPath, [type, '-e', code], { cwd: root, encoding: 'utf8' }).trim();

describe('routilux/inspect entry (built dist)', () => {
  it('serves a flow of routilux, from import() and from require()', () => {
    const program = `
      const flow = new r.Flow({ flowId: 'pkg' }); const s = new r.Routine(); s.defineSlot('trigger', () => {}); flow.addRoutine(s, 's');
      i.serveInspector({ flows: flow, port: 0 }).then(async (server) => {
        const session = await (await fetch(server.url + 'api/session')).json();
        const svg = await (await fetch(server.url + 'api/flows/pkg/graph.svg')).text();
        await server.close();
        console.log(session.flows[0].flowId + ':' + session.readOnly + ':' + svg.startsWith('<svg') + ':' + typeof i.layoutFlow);
      });`;
    expect(node('--input-type=module', `const r = await import('routilux'); const i = await import('routilux/inspect');${program}`)).to.equal('pkg:true:true:function');
    expect(node('--input-type=commonjs', `const r = require('routilux'); const i = require('routilux/inspect');${program}`)).to.equal('pkg:true:true:function');
  });

  it('the core entry holds no inspector server (node:http stays out of what routilux loads)', () => {
    // Everything an entry loads: its relative imports, followed through the per-module dist.
    const loaded = (entry: string) => {
      const seen = new Set<string>();
      const walk = (url: URL) => {
        if (seen.has(url.href)) return;
        seen.add(url.href);
        const text = readFileSync(url, 'utf8');
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) walk(new URL(m[1], url));
      };
      walk(new URL(`../../dist/${entry}`, import.meta.url));
      return [...seen].map((f) => readFileSync(new URL(f), 'utf8')).join('\n');
    };
    expect(loaded('index.js')).to.not.match(/'node:http'|serveInspector/);
    expect(loaded('inspector/index.js')).to.match(/'node:http'/);
  });
});
