// What dpkg refuses in a binary package's control file beyond its syntax (lib/dpkg/parse.c,
// fields.c, as dpkg 1.21 behaves at `dpkg -i`): a field with no value, a field only dpkg's own
// status file may carry, a yes/no or Multi-Arch field with another word, and a relationship
// field whose first line is empty. A .deb that has one installs nowhere, so import refuses it.
import { PackageFormatError } from '../model/errors.js';
import type { Paragraph } from '../model/paragraph.js';

/** Fields dpkg keeps in its status file and refuses elsewhere ("not allowed in this context"). */
const STATUS_ONLY = ['Status', 'Config-Version', 'Triggers-Pending', 'Triggers-Awaited'];

/** dpkg's enumerated fields (compared without case, as dpkg does) and the values it takes. */
const ENUMERATED: Readonly<Record<string, readonly string[]>> = {
  essential: ['yes', 'no'],
  protected: ['yes', 'no'],
  'multi-arch': ['no', 'same', 'foreign', 'allowed'],
};

/** The relationship fields dpkg parses (Built-Using and Static-Built-Using it keeps as text). */
const DPKG_RELATIONS = ['Pre-Depends', 'Depends', 'Recommends', 'Suggests', 'Enhances', 'Breaks', 'Conflicts', 'Replaces', 'Provides'];

/** A UTF-8 byte order mark: dpkg reads it as part of the first field's name. */
export function startsWithBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Throws a PackageFormatError naming `source` and the field for the first thing dpkg refuses. */
export function checkDpkgControl(control: Paragraph, source: string): void {
  const fail = (what: string, hint: string): never => {
    throw new PackageFormatError(`${source}: ${what}`, { hint });
  };
  for (const [name, value] of control) {
    const lower = name.toLowerCase();
    if (value.trim() === '') fail(`its ${name} field has an empty value, which dpkg refuses ("end of file before value of field")`, `give ${name} a value or leave the field out, and rebuild the package`);
    const statusOnly = STATUS_ONLY.find((f) => f.toLowerCase() === lower);
    if (statusOnly !== undefined) fail(`its control file has a ${statusOnly} field, which dpkg allows only in its own status file ("not allowed in this context")`, `remove ${statusOnly} from the control file and rebuild the package`);
    const allowed = ENUMERATED[lower];
    if (allowed !== undefined && (value.includes('\n') || !allowed.includes(value.trim().toLowerCase()))) fail(`its ${name} field is "${value.trim()}", which dpkg refuses (it takes ${allowed.join(', ')})`, `set ${name} to one of ${allowed.join(', ')} and rebuild the package`);
    if (value.startsWith('\n') && DPKG_RELATIONS.some((f) => f.toLowerCase() === lower)) {
      fail(`its ${name} field has nothing on its first line (dpkg: "missing package name")`, `start the list on the "${name}:" line and rebuild the package`);
    }
  }
}
