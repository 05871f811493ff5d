/** Who a VM slot belongs to. The engine asks only when it emits a finding (cold path). */
export interface VmIdentity {
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
}

/** Resolves an attribution VM slot to its identity; undefined when the slot is unknown. */
export interface VmDirectory {
  describe(vmSlot: number): VmIdentity | undefined;
}
