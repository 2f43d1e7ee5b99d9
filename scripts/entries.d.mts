// Types of entries.mjs, for the specs that read the list.
export interface Entry {
  /** The subpath in `exports`: '.', './builtins', ... */
  readonly subpath: string;
  /** The source every runtime gets. */
  readonly source: string;
  /** The source Node gets instead (`node` export condition), if any. */
  readonly node?: string;
}
export declare const ENTRIES: readonly Entry[];
export declare function stem(source: string): string;
export declare function buildInputs(): Record<string, string>;
export declare function packageExports(): Record<string, unknown>;
export declare function packageTypesVersions(): { '*': Record<string, string[]> };
