// A deb822 paragraph (deb822(5)) as an ordered list of fields. A value is exactly the text that
// follows `Name: ` in the file: continuation lines are joined with "\n" and keep their leading
// space (so `Description` of a control file is `synopsis\n long line\n .\n more`); a value that
// starts with "\n" (Release's `SHA256:`) is written as `Name:` followed by its lines.

export type Field = readonly [name: string, value: string];
export type Paragraph = readonly Field[];

/** Field names compare case-insensitively (deb822(5)). */
export function getField(paragraph: Paragraph, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of paragraph) if (n.toLowerCase() === lower) return v;
  return undefined;
}
