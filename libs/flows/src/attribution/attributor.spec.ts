import { parseCidr, parseIPv4, parseIPv6, PrefixSet } from '@sg/common';
import { AddressIndexBuilder } from '@sg/inventory';
import { FlowBatch, FlowDirection } from '../flow-batch';
import { FlowPipeline } from './flow-pipeline';

const T_MOVE = Date.parse('2024-05-01T12:00:00Z');

function setup(prefixes: string[] = []) {
  const b = new AddressIndexBuilder();
  b.addV4(0, parseIPv4('10.0.0.5'), -Infinity, T_MOVE); // vm 0 until noon
  b.addV4(1, parseIPv4('10.0.0.5'), T_MOVE, Infinity); // then vm 1
  b.addV4(2, parseIPv4('10.0.0.6'), -Infinity, Infinity);
  b.addV6(3, parseIPv6('2001:db8::6')!, -Infinity, Infinity);
  const index = b.build();
  const internal = new PrefixSet(prefixes.map((p) => parseCidr(p)!));
  const seen: { src: number; dst: number; dir: number }[] = [];
  const pipeline = new FlowPipeline(
    () => index,
    () => internal,
  );
  pipeline.addConsumer({
    consume: (batch) => {
      for (let i = 0; i < batch.length; i++)
        seen.push({ src: batch.srcVm[i], dst: batch.dstVm[i], dir: batch.direction[i] });
    },
  });
  return { pipeline, seen };
}

function add(batch: FlowBatch, src: string, dst: string, t: number) {
  const i = batch.next();
  if (src.includes(':')) {
    const s = parseIPv6(src)!;
    const d = parseIPv6(dst)!;
    batch.family[i] = 6;
    batch.srcAddr.set(s, i << 2);
    batch.dstAddr.set(d, i << 2);
  } else batch.setV4(i, parseIPv4(src), parseIPv4(dst));
  batch.startMs[i] = batch.endMs[i] = t;
}

describe('attribution', () => {
  it('classes inbound, outbound, internal and unattributed, at the flow time', () => {
    const { pipeline, seen } = setup();
    const batch = new FlowBatch(16, pipeline.accept);
    add(batch, '198.51.100.1', '10.0.0.5', T_MOVE - 1); // inbound to vm 0
    add(batch, '10.0.0.5', '198.51.100.1', T_MOVE); // outbound from vm 1 (address moved)
    add(batch, '10.0.0.5', '10.0.0.6', T_MOVE + 5); // vm 1 -> vm 2
    add(batch, '198.51.100.1', '203.0.113.1', 0); // nobody's
    add(batch, '2001:db8::1', '2001:db8::6', 0); // IPv6 inbound to vm 3
    batch.flush();
    expect(seen).toEqual([
      { src: -1, dst: 0, dir: FlowDirection.INBOUND },
      { src: 1, dst: -1, dir: FlowDirection.OUTBOUND },
      { src: 1, dst: 2, dir: FlowDirection.INTERNAL },
      { src: -1, dst: -1, dir: FlowDirection.UNATTRIBUTED },
      { src: -1, dst: 3, dir: FlowDirection.INBOUND },
    ]);
    expect(pipeline.counts).toEqual({ inbound: 2, outbound: 1, internal: 1, unattributed: 1 });
  });

  it("counts traffic between a VM and the operator's own prefixes as internal", () => {
    const { pipeline, seen } = setup(['10.0.0.0/8']);
    const batch = new FlowBatch(4, pipeline.accept);
    add(batch, '10.200.0.1', '10.0.0.6', 0);
    add(batch, '10.0.0.6', '10.99.1.1', 0);
    add(batch, '10.0.0.6', '8.8.8.8', 0);
    batch.flush();
    expect(seen.map((s) => s.dir)).toEqual([FlowDirection.INTERNAL, FlowDirection.INTERNAL, FlowDirection.OUTBOUND]);
  });
});
