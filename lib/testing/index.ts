/**
 * `routilux/testing`: helpers to marble-test flows with RxJS's `TestScheduler.run`.
 *
 * @example
 * ```ts
 * import { createTestScheduler, marbleJob } from 'routilux/testing';
 * ```
 * @packageDocumentation
 * @module routilux/testing
 */
export { marbleJob, type MarbleJob, type MarbleJobOptions } from './marble-job.js';
export { createTestScheduler } from './test-scheduler.js';
