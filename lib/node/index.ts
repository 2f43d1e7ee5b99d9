/**
 * `routilux/node`: the parts of Routilux that need Node.js (the file system): `FileJobStore`,
 * its options and its file-name scheme. They stay importable from `routilux` in Node too; this
 * entry is where they will live alone once the core entry runs in browsers.
 *
 * @example
 * ```ts
 * import { FileJobStore } from 'routilux/node';
 * const flow = new Flow({ store: new FileJobStore('./jobs'), checkpoint: 'always' });
 * ```
 * @packageDocumentation
 */
export { FileJobStore } from '../persistence/file-store.js';
export type { FileJobStoreOptions } from '../persistence/file-store-options.js';
export { jobFileName } from '../persistence/job-file-name.js';
