/**
 * Preload for profiling (`node --import tsx --import ./bench/lib/sourcemaps.ts ...`): at exit,
 * writes the source maps tsx produced for this project's .ts files to
 * `$ROUTILUX_SOURCEMAP_OUT`, so a .cpuprofile (positions in transpiled code) can be mapped back
 * to TypeScript file:line by bench/lib/cpuprofile.ts.
 */
import { findSourceMap } from 'node:module';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

function tsFiles(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const target = process.env.ROUTILUX_SOURCEMAP_OUT;
if (target !== undefined) {
  process.on('exit', () => {
    const maps: Record<string, unknown> = {};
    for (const file of [...tsFiles(join(root, 'lib'), []), ...tsFiles(join(root, 'bench'), [])]) {
      const url = pathToFileURL(file).href;
      const map = findSourceMap(url);
      if (map !== undefined) maps[url] = map.payload;
    }
    writeFileSync(target, JSON.stringify(maps));
  });
}
