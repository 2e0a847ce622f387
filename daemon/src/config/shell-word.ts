// A word for sh, for commands printed as a fix (cluster-key.ts) or a join line (configure/):
// a path from half.conf pasted into `... > PATH` must stay one word, whatever it holds.

/** Single-quotes a word for sh when it needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
