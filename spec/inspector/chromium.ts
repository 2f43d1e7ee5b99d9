import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (the `chromium` package; `.ci/run` installs it), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * For a `before` hook: under CI=true a missing chromium fails the suite; locally it skips it
 * with a printed reason.
 */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CI === 'true') throw new Error(`no chromium at ${CHROMIUM}: CI must have it (.ci/run installs Debian's chromium package)`);
  console.log(`      skipped: no chromium at ${CHROMIUM} (install Debian's chromium package, or set CHROMIUM_PATH)`);
  ctx.skip();
}

/** Headless chromium; root (a container) needs --no-sandbox. */
export function launchChromium(): Promise<Browser> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath: CHROMIUM, args: root ? ['--no-sandbox'] : [] });
}
