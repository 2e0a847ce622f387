// The repository's DebInspector role filled by the builder's own reader.
import { readDeb } from '../deb/read-deb.js';
import type { DebInspector } from '../repo/deb-inspector.js';

export const debInspector: DebInspector = async (bytes, fileName) => {
  const deb = await readDeb(bytes, fileName);
  return { control: deb.control, paths: deb.paths };
};
