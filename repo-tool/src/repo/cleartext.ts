// The text inside a cleartext-signed message (RFC 9580 §7): armor headers skipped,
// dash-escaping undone, the line break before the signature kept as the last newline (apt
// writes InRelease's content back out that way, and it is what Release holds).

/** The signed text of a cleartext-signed message, or the input unchanged if it is not one. */
export function stripClearsign(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== '-----BEGIN PGP SIGNED MESSAGE-----') return text;
  let i = 1;
  while (i < lines.length && lines[i] !== '') i++; // armor headers (Hash: …)
  const body: string[] = [];
  for (i++; i < lines.length && lines[i] !== '-----BEGIN PGP SIGNATURE-----'; i++) {
    const line = lines[i] as string;
    body.push(line.startsWith('- ') ? line.slice(2) : line);
  }
  return body.join('\n') + '\n';
}
