import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './packed-app.js';

// `npm run docs` (typedoc over the four entries) stays free of warnings: every type a public
// signature names is exported and every {@link} resolves. Validation only here (no HTML), which
// is the part that can regress.
describe('API docs (npm run docs)', function () {
  this.timeout(120_000);

  it('typedoc validates the four entries without a warning', () => {
    let out = '';
    let code = 0;
    try {
      out = execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      code = e.status ?? 1;
      out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    expect(out, out).to.not.match(/warning|error/i);
    expect(code, out).to.equal(0);
  });
});
