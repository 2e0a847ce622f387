// The triggers control file (deb-triggers(5)): one directive and one trigger name per line;
// surrounding whitespace, empty lines and lines starting with "#" are ignored. A "#" after the
// name is not a comment, whatever the manual page says: dpkg 1.21 reads it as part of the name,
// which a space then makes illegal (checked in the test with dpkg -i). dpkg refuses an unknown
// directive, and a trigger name that is empty or holds a space or a byte outside printable ASCII
// (its trig_name_is_illegal), only at install. Pure.

const DIRECTIVES = ['interest', 'interest-await', 'interest-noawait', 'activate', 'activate-await', 'activate-noawait'];

/** What dpkg would refuse in a triggers file, or undefined. */
export function triggersProblem(text: string): string | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const [directive = '', ...rest] = line.split(/[ \t]+/);
    if (!DIRECTIVES.includes(directive)) return `line ${i + 1}: "${directive}" is not a trigger directive (${DIRECTIVES.join(', ')})`;
    if (rest.length === 0) return `line ${i + 1}: "${directive}" names no trigger`;
    const name = rest.join(' ');
    if (rest.length > 1 || /[^\x21-\x7e]/.test(name)) return `line ${i + 1}: the trigger name "${name}" has a space or a character outside printable ASCII`;
  }
  return undefined;
}
