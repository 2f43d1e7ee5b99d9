/**
 * The crash runs of routilux/bullmq (issue 17): the kill soak (crash-soak.cases.ts) and the
 * adversarial reviews of poolTurnLag (review-s8b, review-s9, review-s9b, review-s9c: their cases
 * are in spec/bullmq/review-*.cases.ts). They kill worker processes and wait for BullMQ's stall
 * recovery, so they share one redis-server and all their runs start together (each test awaits
 * its own): the distributed specs stay under a minute.
 */
import { rmSync } from 'node:fs';
import { useRedis } from '../helpers/use-redis.js';
import { Concurrently } from '../helpers/concurrently.js';
import { crashSoak } from './crash-soak.cases.js';
import { reviewS8b } from './review-s8b.cases.js';
import { reviewS9 } from './review-s9.cases.js';
import { reviewS9b } from './review-s9b.cases.js';
import { reviewS9c } from './review-s9c.cases.js';

describe('routilux/bullmq: crash runs (the kill soak; the reviews of pool-only turns)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  const runs = new Concurrently();
  const dirs: string[] = [];
  before(() => runs.startAll());
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  crashSoak(redis, runs, dirs);
  reviewS8b(redis, runs, dirs);
  reviewS9(redis, runs, dirs);
  reviewS9b(redis, runs, dirs);
  reviewS9c(redis, runs, dirs);
});
