// Strips an ELF64 little-endian shared object the way dh_strip does for a library (`strip
// --remove-section=.comment --strip-unneeded`; Debian Policy §10.1: shipped binaries are
// stripped): the static symbol table (.symtab and its .strtab), debug sections and the
// compiler's .comment go; everything the dynamic loader reads (the program headers and every
// byte of every loaded segment) stays exactly where it was. Works for any machine (x86-64 and
// aarch64 alike), so the arm64 netlink prebuild is stripped on an amd64 build host without
// cross binutils. Pure: bytes in, bytes out.
// Format: System V ABI (gABI) "Object Files": ELF header, section header table, program headers.
import { DefinitionError } from '../repo-tool/src/model/errors.js';

const SHT_NOBITS = 8;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_RELA = 4;
const SHT_REL = 9;
const SHF_ALLOC = 0x2n;
const SHF_INFO_LINK = 0x40n;
const EHDR = 64;
const SHDR = 64;
const PHDR = 56;

interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly align: number;
  readonly header: Buffer;
}

function fail(what: string, why: string): never {
  throw new DefinitionError(`${what}: cannot strip: ${why}`, { hint: 'ship an ELF64 little-endian shared object (x86-64, aarch64)' });
}

function readSections(elf: Buffer, what: string): { sections: Section[]; shstrndx: number } {
  if (elf.length < EHDR || elf.readUInt32BE(0) !== 0x7f454c46) fail(what, 'not an ELF file');
  if (elf[4] !== 2 || elf[5] !== 1) fail(what, 'not ELF64 little-endian');
  const shoff = Number(elf.readBigUInt64LE(40));
  const shnum = elf.readUInt16LE(60);
  const shstrndx = elf.readUInt16LE(62);
  if (elf.readUInt16LE(58) !== SHDR || shnum === 0 || shstrndx >= shnum || shoff + shnum * SHDR > elf.length) fail(what, 'bad or extended section header table');
  const raw = Array.from({ length: shnum }, (_, i) => elf.subarray(shoff + i * SHDR, shoff + (i + 1) * SHDR));
  const strtab = raw[shstrndx] as Buffer;
  const strOffset = Number(strtab.readBigUInt64LE(24));
  const sections = raw.map((h, index): Section => {
    const nameAt = strOffset + h.readUInt32LE(0);
    const end = elf.indexOf(0, nameAt);
    return {
      index,
      name: elf.toString('latin1', nameAt, end < 0 ? nameAt : end),
      type: h.readUInt32LE(4),
      flags: h.readBigUInt64LE(8),
      offset: Number(h.readBigUInt64LE(24)),
      size: Number(h.readBigUInt64LE(32)),
      link: h.readUInt32LE(40),
      info: h.readUInt32LE(44),
      align: Math.max(1, Number(h.readBigUInt64LE(48))),
      header: Buffer.from(h),
    };
  });
  return { sections, shstrndx };
}

function removable(sections: readonly Section[], shstrndx: number): Set<number> {
  const remove = new Set<number>();
  for (const s of sections) {
    if ((s.flags & SHF_ALLOC) !== 0n || s.index === 0) continue;
    if (s.type === SHT_SYMTAB || s.name === '.comment' || s.name.startsWith('.debug') || s.name.startsWith('.zdebug')) remove.add(s.index);
  }
  for (const s of sections) {
    if (s.type !== SHT_SYMTAB || !remove.has(s.index)) continue;
    const strtab = sections[s.link];
    const usedElsewhere = sections.some((o) => !remove.has(o.index) && o.index !== s.index && o.link === s.link);
    if (strtab !== undefined && strtab.type === SHT_STRTAB && strtab.index !== shstrndx && (strtab.flags & SHF_ALLOC) === 0n && !usedElsewhere) remove.add(strtab.index);
  }
  return remove;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/** The stripped file (the input itself when there is nothing to strip). */
export function stripElf(input: Uint8Array, what = 'ELF file'): Uint8Array {
  const elf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { sections, shstrndx } = readSections(elf, what);
  const remove = removable(sections, shstrndx);
  if (remove.size === 0) return input;
  const kept = sections.filter((s) => !remove.has(s.index));
  const newIndex = new Map(kept.map((s, i) => [s.index, i] as const));

  // Everything the loader maps stays byte for byte: segments, headers, allocated sections.
  const phoff = Number(elf.readBigUInt64LE(32));
  const phnum = elf.readUInt16LE(56);
  let loadEnd = Math.max(EHDR, phoff + phnum * PHDR);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * PHDR;
    loadEnd = Math.max(loadEnd, Number(elf.readBigUInt64LE(p + 8)) + Number(elf.readBigUInt64LE(p + 32)));
  }
  for (const s of kept) if ((s.flags & SHF_ALLOC) !== 0n && s.type !== SHT_NOBITS) loadEnd = Math.max(loadEnd, s.offset + s.size);

  const parts: Buffer[] = [elf.subarray(0, loadEnd)];
  let size = loadEnd;
  const offsets = new Map<number, number>();
  for (const s of [...kept].sort((a, b) => a.offset - b.offset)) {
    if (s.type === SHT_NOBITS || s.size === 0 || s.offset + s.size <= loadEnd) continue;
    const at = align(size, s.align);
    parts.push(Buffer.alloc(at - size), elf.subarray(s.offset, s.offset + s.size));
    offsets.set(s.index, at);
    size = at + s.size;
  }
  const shoff = align(size, 8);
  parts.push(Buffer.alloc(shoff - size));
  for (const s of kept) {
    const h = Buffer.from(s.header);
    const moved = offsets.get(s.index);
    if (moved !== undefined) h.writeBigUInt64LE(BigInt(moved), 24);
    else if (s.offset > loadEnd) h.writeBigUInt64LE(BigInt(shoff), 24); // empty section past the end
    h.writeUInt32LE(newIndex.get(s.link) ?? 0, 40);
    if (s.type === SHT_REL || s.type === SHT_RELA || (s.flags & SHF_INFO_LINK) !== 0n) h.writeUInt32LE(newIndex.get(s.info) ?? 0, 44);
    parts.push(h);
  }
  const out = Buffer.concat(parts);
  out.writeBigUInt64LE(BigInt(shoff), 40);
  out.writeUInt16LE(kept.length, 60);
  out.writeUInt16LE(newIndex.get(shstrndx) as number, 62);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
