// The Description field (Debian Policy §5.6.13, deb-control(5)): the synopsis on the first line,
// then the extended description as continuation lines: " text" for text (frontends re-wrap it),
// "  text" (two spaces) for verbatim lines, " ." for an empty line. Text lines longer than the
// conventional 80 columns are wrapped at word boundaries; verbatim lines are kept as written.
// Pure.
import type { Description } from '../model/definition.js';

/** Widest continuation line written, leading space included (Policy: under 80 columns). */
export const DESCRIPTION_WIDTH = 79;

/**
 * Lines of at most `width` where words allow. A word starting with "." never begins a line: as
 * " ." it would be an empty line, and " .more" is reserved (Policy §5.6.13); it stays at the end
 * of the line before, a little past the width.
 */
function wrap(text: string, width: number): string[] {
  const words = text.trim().split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width || word.startsWith('.')) line += ' ' + word;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The extended description's lines, each with its leading space (` text`, `  verbatim`, ` .`). */
export function foldExtendedDescription(long: string): string[] {
  const source = long.replace(/\r\n?/g, '\n').split('\n');
  while (source.length > 0 && (source[0] as string).trim() === '') source.shift();
  while (source.length > 0 && (source[source.length - 1] as string).trim() === '') source.pop();
  const out: string[] = [];
  for (const line of source) {
    if (line.trim() === '') out.push(' .');
    else if (line.startsWith(' ') || line.startsWith('\t')) out.push(' ' + line.replace(/\s+$/, ''));
    else for (const piece of wrap(line, DESCRIPTION_WIDTH - 1)) out.push(' ' + piece);
  }
  return out;
}

/** The field value: `synopsis` alone or followed by "\n"-joined continuation lines. */
export function foldDescription(description: Description): string {
  const lines = description.long === undefined ? [] : foldExtendedDescription(description.long);
  return [description.synopsis, ...lines].join('\n');
}
