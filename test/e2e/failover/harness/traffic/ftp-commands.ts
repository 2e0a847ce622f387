// FTP's PORT argument (RFC 959 §4.1.2: h1,h2,h3,h4,p1,p2), written by the client and parsed by
// the server. Pure.
export function portCommand(address: string, port: number): string {
  return `PORT ${address.split('.').join(',')},${port >> 8},${port & 255}`;
}

export function parsePortArgument(argument: string): { address: string; port: number } | undefined {
  const parts = argument.trim().split(',');
  if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  const n = parts.map(Number);
  return { address: n.slice(0, 4).join('.'), port: (n[4] ?? 0) * 256 + (n[5] ?? 0) };
}
