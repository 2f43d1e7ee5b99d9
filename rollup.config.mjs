// Builds ESM + CJS bundles and bundled .d.ts for `routilux` and its subpaths (testing, builtins, node).
// Runtime and peer dependencies stay external: users get one copy of rxjs (Subjects and schedulers
// must be the same instances as in their code).
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = (id) =>
  [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].some((dep) => id === dep || id.startsWith(`${dep}/`)) || id.startsWith('node:') || id === 'routilux';

const entries = { index: 'lib/index.ts', testing: 'lib/testing/index.ts', builtins: 'lib/builtins/index.ts', node: 'lib/node/index.ts', bullmq: 'lib/bullmq/index.ts' };

export default [
  {
    input: entries,
    external,
    plugins: [typescript({ tsconfig: './tsconfig.build.json', sourceMap: true, declaration: false, noEmitOnError: true })],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input: entries,
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  },
];
