/**
 * Routilux: event-driven workflow orchestration built natively on RxJS.
 *
 * What `routilux` is in Node: the portable core (`portable.ts`, what browsers get) plus the
 * Node-only parts of `routilux/node`, so every name importable from `routilux` in Node stays
 * importable there. Loading it installs an AsyncLocalStorage: `this.emit` after an `await` in
 * a handler knows its job.
 *
 * @example
 * ```ts
 * import { Flow, Routine, FileJobStore } from 'routilux';
 * ```
 * @packageDocumentation
 */
export * from './portable.js';
export { FileJobStore, type FileJobStoreOptions } from './node/index.js';
