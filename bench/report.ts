/** Prints benchmark figures as a table and, last, one JSON line with the same figures. */
export function report(name: string, rows: Record<string, string | number>[], opts: { table?: boolean } = {}): void {
  if (rows.length && opts.table !== false) console.table(rows);
  console.log(JSON.stringify({ bench: name, at: new Date().toISOString(), results: rows }));
}
