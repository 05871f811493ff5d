/**
 * Which flow-bus partition a VM's flows go to: FNV-1a 32 of the VM id's UTF-8 bytes, mod the
 * partition count. It is the hash of the NATS server's own `{{partition(n, token)}}` subject
 * mapping, so a stream partitioned by the server and one partitioned here agree (the integration
 * test checks it against a real server). Hashing happens once per VM when the inventory changes
 * (partitionsOfSlots), never per record.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32 of the UTF-8 bytes of `s`, as an unsigned 32-bit number. */
export function fnv1a32(s: string): number {
  let h = FNV_OFFSET;
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The partition of a VM id among `partitions`. */
export function partitionOf(vmId: string, partitions: number): number {
  return fnv1a32(vmId) % partitions;
}

/** Partition of every inventory slot (the VM ids in slot order), for per-record lookups by slot. */
export function partitionsOfSlots(vmIds: readonly string[], partitions: number): Int16Array {
  if (partitions > 0x7fff) throw new Error(`at most ${0x7fff} partitions`);
  const out = new Int16Array(vmIds.length);
  for (let s = 0; s < vmIds.length; s++) out[s] = partitionOf(vmIds[s], partitions);
  return out;
}

/** The partitions detector `index` of `count` owns: p with p mod count = index. */
export function ownedPartitions(index: number, count: number, partitions: number): number[] {
  if (!(count >= 1 && index >= 0 && index < count)) throw new Error(`detector index ${index} of ${count}`);
  const out: number[] = [];
  for (let p = index; p < partitions; p += count) out.push(p);
  return out;
}

/** Subject of one partition's messages in the flow stream. */
export const flowSubject = (prefix: string, partition: number): string => `${prefix}.${partition}`;
