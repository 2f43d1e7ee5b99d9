import { expect } from 'chai';
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layering itself is checked by dependency-cruiser in `npm test` (npm run check:deps);
// these check what it cannot see: what a bundler keeps, and the size of each file.
const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `code` (importing from lib/index.ts) as a browser-agnostic ESM bundle would, peers external. */
async function bundle(code: string) {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: ['rxjs', 'immer', 'class-transformer', 'reflect-metadata', 'sift', 'node:*'],
    metafile: true,
    logLevel: 'silent',
  });
  const [out] = Object.values(result.metafile.outputs);
  const kept = Object.entries(out.inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([file]) => file);
  return { text: result.outputFiles[0].text, kept };
}

function libFiles(dir = join(root, 'lib')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? libFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  it('a bundle of `import { Routine }` holds neither immer nor the engine, the façade or the job state', async () => {
    const { text, kept } = await bundle("export { Routine } from './lib/index.ts';");
    expect(text).to.not.match(/from ["']immer["']/);
    expect(kept.filter((f) => /^lib\/(runtime|flow|persistence)\//.test(f) || /^lib\/state\/job-state/.test(f))).to.deep.equal([]);
    expect(kept).to.include('lib/model/routine.ts');
  });

  it('a bundle of `import { Flow }` does hold the engine (the check above is not vacuous)', async () => {
    const { text, kept } = await bundle("export { Flow } from './lib/index.ts';");
    expect(text).to.match(/from ["']immer["']/);
    expect(kept).to.include.members(['lib/runtime/dispatcher.ts', 'lib/runtime/job-runtime.ts', 'lib/flow/flow.ts']);
  });

  it('no file in lib/ is over 300 lines', () => {
    const long = libFiles()
      .map((file) => [relative(root, file), readFileSync(file, 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 300);
    expect(long).to.deep.equal([]);
  });
});
