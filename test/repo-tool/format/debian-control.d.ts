// Types for the `debian-control` npm package (it ships none), as far as the tests use it.
declare module 'debian-control' {
  /** One paragraph: field → first line, or the array of (trimmed) lines for multi-line values. */
  export function parse(text: string): Record<string, string | string[]>;
  export function stringify(paragraph: Record<string, string | string[]>): string;
}
