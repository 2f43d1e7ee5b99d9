/**
 * @internal The inspector's icon (and favicon): three routines wired left to right.
 *
 * @example
 * ```ts
 * res.end(PAGE_ICON); // image/svg+xml
 * ```
 */
export const PAGE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1f2937"/>
<path d="M9 16 C14 16 13 9 19 9 M9 16 C14 16 13 23 19 23" stroke="#93c5fd" stroke-width="2" fill="none"/>
<circle cx="8" cy="16" r="4" fill="#60a5fa"/><circle cx="22" cy="9" r="4" fill="#34d399"/><circle cx="22" cy="23" r="4" fill="#fbbf24"/>
</svg>
`;
