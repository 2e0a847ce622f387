// Fast field lookup for hot loops over thousands of paragraphs: the exact spelling first (what
// dpkg writes), then model/paragraph.ts's case-insensitive rule.
import { getField } from '../model/paragraph.js';
import type { Paragraph } from '../model/paragraph.js';

export function fieldOf(paragraph: Paragraph, name: string): string | undefined {
  for (const [n, v] of paragraph) if (n === name) return v;
  return getField(paragraph, name);
}
