/**
 * Stable small-integer slots for VMs, so the hot path (attribution, detection) can key its state
 * by a number. A slot is never reused within a process: an index rebuild keeps every slot, and a
 * VM deleted from the inventory simply stops being returned by lookups.
 */
export class VmRegistry {
  private readonly slotById = new Map<string, number>();
  readonly ids: string[] = [];
  readonly names: string[] = [];
  readonly deploymentIds: string[] = [];
  readonly subscriptionIds: string[] = [];

  /** Returns the VM's slot, creating it on first sight; metadata is refreshed every call. */
  slotFor(vmId: string, deploymentId: string, subscriptionId: string, name = vmId): number {
    let slot = this.slotById.get(vmId);
    if (slot === undefined) {
      slot = this.ids.length;
      this.slotById.set(vmId, slot);
      this.ids.push(vmId);
      this.names.push(name);
      this.deploymentIds.push(deploymentId);
      this.subscriptionIds.push(subscriptionId);
    } else {
      this.names[slot] = name;
      this.deploymentIds[slot] = deploymentId;
      this.subscriptionIds[slot] = subscriptionId;
    }
    return slot;
  }

  slotOf(vmId: string): number {
    return this.slotById.get(vmId) ?? -1;
  }

  get size(): number {
    return this.ids.length;
  }
}
