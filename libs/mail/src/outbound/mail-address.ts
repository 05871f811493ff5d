/** The bare address of `Name <addr@host>` or `addr@host`, lower-cased. */
export function bareAddress(v: string): string {
  const m = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(v);
  return (m ? m[1] : v).trim().toLowerCase();
}

/** A Message-ID without its angle brackets (how we store and compare them). */
export function stripAngles(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '');
}
