/**
 * The crash runs of routilux/bullmq (issue 17): the kill soak (crash-soak.cases.ts), the
 * adversarial reviews of poolTurnLag (review-s8b, review-s9, review-s9b, review-s9c) and of the
 * tenth session's takeover and failed-job fixes (review-s10 to review-s10d: in-process clusters
 * that mostly wait too). Their cases are in spec/bullmq/*.cases.ts. They share one redis-server
 * and their runs go together, six at a time, the soak first (each test awaits its own): the
 * distributed specs stay under a minute.
 */
import { rmSync } from 'node:fs';
import { useRedis } from '../helpers/use-redis.js';
import { Concurrently } from '../helpers/concurrently.js';
import { crashSoak } from './crash-soak.cases.js';
import { reviewS8b } from './review-s8b.cases.js';
import { reviewS9 } from './review-s9.cases.js';
import { reviewS9b } from './review-s9b.cases.js';
import { reviewS9c } from './review-s9c.cases.js';
import { reviewS10 } from './review-s10.cases.js';
import { reviewS10b } from './review-s10b.cases.js';
import { reviewS10c } from './review-s10c.cases.js';
import { reviewS10d } from './review-s10d.cases.js';

describe('routilux/bullmq: crash runs (the kill soak; the reviews of pool-only turns and of takeovers)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  const runs = new Concurrently({ limit: 6 });
  const dirs: string[] = [];
  before(() => runs.startAll());
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  crashSoak(redis, runs, dirs);
  reviewS10(redis, runs); // (in-process, light: started early)
  reviewS10b(redis, runs);
  reviewS10c(redis, runs);
  reviewS10d(redis, runs);
  reviewS8b(redis, runs, dirs);
  reviewS9(redis, runs, dirs);
  reviewS9b(redis, runs, dirs);
  reviewS9c(redis, runs, dirs);
});
