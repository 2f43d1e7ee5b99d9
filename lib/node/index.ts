/**
 * `routilux/node`: the parts of Routilux that need Node.js. Loading it installs an
 * `AsyncLocalStorage` so `this.emit` after an `await` in a handler knows its job; it exports
 * `FileJobStore` (the file system), its options and its file-name scheme. Node's `routilux`
 * loads it too and re-exports `FileJobStore`, so in Node nothing needs to import it by this
 * name; in a bundle for a browser, `routilux` is the core without it.
 *
 * @example
 * ```ts
 * import { FileJobStore } from 'routilux/node';
 * const flow = new Flow({ store: new FileJobStore('./jobs'), checkpoint: 'always' });
 * ```
 * @packageDocumentation
 * @module routilux/node
 */
import { installNodeAsyncContext } from './async-context.js';

export { FileJobStore } from '../persistence/file-store.js';
export type { FileJobStoreOptions } from '../persistence/file-store-options.js';
export { jobFileName } from '../persistence/job-file-name.js';
export { installNodeAsyncContext } from './async-context.js';

installNodeAsyncContext();
