import { FlowBatch } from '@sg/flows/flow-batch';
import { EngineHarness, MIN, SYN, T0, ipAt, webFlow, type TestFlow } from './testing/flow-factory';

/**
 * Detection split across threads by VM slot: engines given partitions of the same records find,
 * together, exactly what one engine finds, and each finding comes from the engine keeping its VM.
 */
describe('DetectionEngine partitions (detection on several threads)', () => {
  /** VM slots 0-5 at 10.1.0.10+slot: scans from 0 and 3, SSH guessing at 1 and 4, VM-to-VM scan 2 -> 5. */
  function workload(): TestFlow[] {
    const vm = (slot: number) => ipAt('10.1.0.10', slot);
    const flows: TestFlow[] = [];
    for (let k = 0; k < 60; k++) {
      const t = T0 + k * 1000;
      for (const s of [0, 3])
        flows.push({
          t,
          src: vm(s),
          dst: ipAt('203.0.113.1', k),
          srcPort: 41000 + k,
          dstPort: 23,
          flags: SYN,
          srcVm: s,
        });
      for (const d of [1, 4]) {
        const pk = 11 + ((k * 6) % 42);
        flows.push({
          t,
          src: '192.0.2.50',
          dst: vm(d),
          srcPort: 20000 + k,
          dstPort: 22,
          packets: pk,
          bytes: pk * 150,
          flags: 0x1b,
          dstVm: d,
        });
      }
      flows.push({ t, src: vm(2), dst: vm(5), srcPort: 42000 + k, dstPort: k + 1, flags: SYN, srcVm: 2, dstVm: 5 });
      flows.push(webFlow(t, vm(k % 6), k % 6));
    }
    return flows;
  }

  function run(partition?: { index: number; count: number }): EngineHarness {
    const h = new EngineHarness({}, partition ? { partition } : {});
    for (const f of workload()) h.add(f);
    return h.finish(T0 + 10 * MIN);
  }

  it('two partitions find together what one engine finds, each for its own VMs (and mirrors of VM-to-VM attacks)', () => {
    const whole = run();
    const p0 = run({ index: 0, count: 2 });
    const p1 = run({ index: 1, count: 2 });
    expect(whole.summary().length).toBeGreaterThanOrEqual(5);
    expect([...new Set([...p0.summary(), ...p1.summary()])].sort()).toEqual(whole.summary());
    // A finding about another partition's VM is only ever the mirror of a VM-to-VM attack this
    // partition saw from its own VM's side (the case layer folds it with the owner's finding).
    for (const [h, part] of [
      [p0, 0],
      [p1, 1],
    ] as const)
      for (const f of h.findings) if (Number(f.vmId.slice(3)) % 2 !== part) expect(f.direction).toBe('internal');
    expect(p0.summary()).toContain('vm-2 source port-scan/vertical');
    expect(p1.summary()).toContain('vm-5 target port-scan/vertical');
    expect(p0.summary()).not.toContain('vm-1 target brute-force/ssh');
    expect(p1.summary()).not.toContain('vm-0 source port-scan/horizontal');
  });

  it('FlowBatch.appendOwned copies the records with an end in the partition', () => {
    const b = new FlowBatch(16);
    const ends: [number, number][] = [
      [0, -1],
      [1, -1],
      [-1, 2],
      [-1, 3],
      [2, 3],
      [-1, -1],
    ];
    for (const [s, d] of ends) {
      const i = b.next();
      b.srcVm[i] = s;
      b.dstVm[i] = d;
      b.direction[i] = s >= 0 || d >= 0 ? 1 : 0;
    }
    const even = new FlowBatch(16);
    expect(even.appendOwned(b, 0, b.length, 0, 2)).toBe(3);
    expect(Array.from(even.srcVm.subarray(0, 3))).toEqual([0, -1, 2]);
    const odd = new FlowBatch(16);
    expect(odd.appendOwned(b, 0, b.length, 1, 2)).toBe(3);
    expect(Array.from(odd.dstVm.subarray(0, 3))).toEqual([-1, 3, 3]);
    expect(new FlowBatch(16).appendOwned(b, 0, b.length, 0, 1)).toBe(5);
  });

  describe('flow-bus partitions (detector processes)', () => {
    /** Bus partition of VM slots 0-5: the VM-to-VM scan 2 -> 5 crosses partitions. */
    const parts = Int16Array.from([0, 1, 1, 0, 1, 0]);
    const vm = (slot: number) => ipAt('10.1.0.10', slot);
    /** vm-0 probing the k-th outside address on telnet. */
    const telnetProbe = (k: number, t: number): TestFlow => ({
      t,
      src: vm(0),
      dst: ipAt('203.0.113.1', k),
      srcPort: 41000 + k,
      dstPort: 23,
      flags: SYN,
      srcVm: 0,
    });

    /** The workload as the bus delivers it: each record in the partition of each of its VMs (once if shared). */
    function viaBus(owned: number[], counted = true): EngineHarness {
      const h = new EngineHarness();
      if (counted) h.engine.setBusPartitions(parts);
      for (const f of workload()) {
        const ps = new Set([f.srcVm, f.dstVm].filter((s): s is number => s !== undefined).map((s) => parts[s]));
        for (const p of ps) if (owned.includes(p)) h.fromBusPartition(counted ? p : -1).add(f);
      }
      return h.finish(T0 + 10 * MIN);
    }

    /** The last update of every finding: id, status and flows. */
    const finals = (h: EngineHarness) => {
      const last = new Map<string, string>();
      for (const f of h.findings) last.set(f.id, `${f.vmId} ${f.role} ${f.kind} ${f.status} flows=${f.counts.flows}`);
      return [...last.values()].sort();
    };

    it('one detector owning every partition finds exactly what one engine finds, with the same counts', () => {
      const whole = run();
      const bus = viaBus([0, 1]);
      expect(bus.summary()).toEqual(whole.summary());
      expect(finals(bus)).toEqual(finals(whole));
    });

    it('detectors owning a partition each find together what one engine finds, VM-to-VM mirrors included', () => {
      const whole = run();
      const d0 = viaBus([0]);
      const d1 = viaBus([1]);
      expect([...new Set([...d0.summary(), ...d1.summary()])].sort()).toEqual(whole.summary());
      expect(d0.summary()).toContain('vm-5 target port-scan/vertical');
      expect(d1.summary()).toContain('vm-2 source port-scan/vertical');
      expect(d0.summary()).not.toContain('vm-1 target brute-force/ssh');
    });

    it("a partition read minutes ahead of another moves only its own VMs' windows: the same findings and counts as in time order", () => {
      // Ten minutes of attacks on both partitions (partition 1's with a pause); partition 0 delivered five minutes of event time
      // ahead of partition 1 (a busier partition's messages, or one replaying behind the other).
      const long: TestFlow[] = [];
      for (let k = 0; k < 300; k++) {
        const t = T0 + k * 2000;
        long.push(telnetProbe(k, t));
        // Partition 1's attacks pause for minutes 3-6 and resume: windows slide on in the silence.
        if (k >= 90 && k < 210) continue;
        const pk = 11 + ((k * 6) % 42);
        long.push({
          t,
          src: '192.0.2.50',
          dst: vm(1),
          srcPort: 20000 + k,
          dstPort: 22,
          packets: pk,
          bytes: pk * 150,
          flags: 0x1b,
          dstVm: 1,
        });
        long.push({
          t,
          src: vm(2),
          dst: vm(5),
          srcPort: 42000 + k,
          dstPort: (k % 200) + 1,
          flags: SYN,
          srcVm: 2,
          dstVm: 5,
        });
      }
      const minute = (f: TestFlow) => Math.floor((f.t - T0) / MIN);
      const inTime = new EngineHarness();
      inTime.engine.setBusPartitions(parts);
      const ahead = new EngineHarness();
      ahead.engine.setBusPartitions(parts);
      const deliver = (h: EngineHarness, p: number, m: number) => {
        for (const f of long) {
          if (minute(f) !== m) continue;
          const ps = new Set([f.srcVm, f.dstVm].filter((x): x is number => x !== undefined).map((x) => parts[x]));
          if (ps.has(p)) h.fromBusPartition(p).add(f);
        }
      };
      for (let m = 0; m < 10; m++) for (const p of [0, 1]) deliver(inTime, p, m);
      for (let m = 0; m < 5; m++) deliver(ahead, 0, m);
      for (let m = 0; m < 10; m++) {
        deliver(ahead, 1, m);
        deliver(ahead, 0, m + 5);
      }
      inTime.finish(T0 + 30 * MIN);
      ahead.finish(T0 + 30 * MIN);
      expect(finals(inTime)).toHaveLength(5);
      // Every update (id, status, figures) once: the same in both orders (an update may repeat).
      const updates = (h: EngineHarness) =>
        [
          ...new Set(
            h.findings.map((f) => `${f.id} ${f.vmId} ${f.role} ${f.kind} ${f.status} flows=${f.counts.flows}`),
          ),
        ].sort();
      expect(updates(ahead)).toEqual(updates(inTime));
      expect(finals(ahead)).toEqual(finals(inTime));
      expect(ahead.engine.stats().lateDropped).toBe(0);
    });

    it('an idle partition catches its clock up with the others (no further than the bound): its quiet incidents end', () => {
      const h = new EngineHarness();
      h.engine.setBusPartitions(parts);
      // A scan from vm-0 (partition 0) for 3 minutes; vm-1 (partition 1) talks for 30.
      for (let k = 0; k < 900; k++) {
        const t = T0 + k * 2000;
        if (k < 90) h.fromBusPartition(0).add(telnetProbe(k, t));
        h.fromBusPartition(1).add(webFlow(t, vm(1), 1));
      }
      h.flush();
      const vm0 = () => h.findings.filter((f) => f.vmId === 'vm-0').map((f) => f.status);
      expect(vm0()).toContain('active');
      // Partition 0's clock stayed with its last record: its incident is still open.
      expect(vm0()).not.toContain('ended');
      // The collectors' uploads are only 1 minute past partition 0's last record: not far enough.
      h.engine.partitionIdle(0, T0 + 4 * MIN);
      h.flush();
      expect(vm0()).not.toContain('ended');
      h.engine.partitionIdle(0, 0);
      h.flush();
      expect(vm0()).toContain('ended');
      // A partition that never had a batch, or is unknown, is ignored.
      expect(() => h.engine.partitionIdle(7, 0)).not.toThrow();
    });

    it('without the partitions a VM-to-VM record delivered through both partitions would count twice', () => {
      const vm2 = (h: EngineHarness) => finals(h).filter((s) => s.startsWith('vm-2 source port-scan'));
      expect(vm2(viaBus([0, 1], false))).not.toEqual(vm2(run()));
      expect(vm2(viaBus([0, 1]))).toEqual(vm2(run()));
    });
  });
});
