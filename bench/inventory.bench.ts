/**
 * npm run bench:inventory — the address-at-time index with 100,000 VMs of 2 addresses each
 * (one IPv4 that moved between two VMs half-way, one IPv6): build time and lookups per second
 * on one core, for hits at random times and for misses.
 * Targets (issue 2): >= 2,000,000 lookups/s; build < 2 s.
 */
import { AddressIndexBuilder, VmRegistry } from '@sg/inventory';
import { benchSize } from './bench-size';
import { report } from './report';

const VMS = benchSize(100_000, 1_000);
const LOOKUPS = benchSize(20_000_000, 100_000);
const T0 = Date.parse('2024-05-01T00:00:00Z');
const MOVE = T0 + 12 * 3600_000;

function build() {
  const reg = new VmRegistry();
  const b = new AddressIndexBuilder();
  const v6 = new Uint32Array(4);
  for (let i = 0; i < VMS; i++) {
    const slot = reg.slotFor(`vm-${i}`, `dep-${i >> 4}`, `sub-${i >> 8}`);
    // IPv4 10.x.y.z held by VM i until noon, then by VM (i+1) % VMS: every address was reused.
    b.addV4(slot, (0x0a000000 + i) >>> 0, -Infinity, MOVE);
    b.addV4(slot, (0x0a000000 + ((i + VMS - 1) % VMS)) >>> 0, MOVE, Infinity);
    v6[0] = 0x20010db8;
    v6[3] = i;
    b.addV6(slot, v6, -Infinity, Infinity);
  }
  return b.build();
}

function main(): void {
  let t = process.hrtime.bigint();
  const idx = build();
  const buildMs = Number(process.hrtime.bigint() - t) / 1e6;

  // Precomputed random query streams, so the loop measures the lookup only.
  const ips = new Uint32Array(1 << 20);
  const times = new Float64Array(1 << 20);
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < ips.length; i++) {
    ips[i] = (0x0a000000 + Math.floor(rnd() * VMS)) >>> 0;
    times[i] = T0 + rnd() * 24 * 3600_000;
  }
  const mask = ips.length - 1;
  let hits = 0;
  for (let i = 0; i < 1_000_000; i++) hits += idx.lookupV4(ips[i & mask], times[i & mask]) >= 0 ? 1 : 0; // warm-up
  hits = 0;
  t = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) hits += idx.lookupV4(ips[i & mask], times[i & mask]) >= 0 ? 1 : 0;
  const hitSec = Number(process.hrtime.bigint() - t) / 1e9;

  let misses = 0;
  t = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++)
    misses += idx.lookupV4((0xc0000000 + (ips[i & mask] & 0xffffff)) >>> 0, times[i & mask]) < 0 ? 1 : 0;
  const missSec = Number(process.hrtime.bigint() - t) / 1e9;

  const v6 = new Uint32Array(4 * 1024);
  for (let i = 0; i < 1024; i++) {
    v6[i * 4] = 0x20010db8;
    v6[i * 4 + 3] = Math.floor(rnd() * VMS);
  }
  let h6 = 0;
  t = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS / 4; i++) h6 += idx.lookupV6(v6, (i & 1023) << 2, T0) >= 0 ? 1 : 0;
  const v6Sec = Number(process.hrtime.bigint() - t) / 1e9;

  if (hits !== LOOKUPS || misses !== LOOKUPS || h6 !== LOOKUPS / 4) throw new Error('lookup results wrong');
  report('inventory', [
    { figure: 'vms', value: VMS, target: '' },
    { figure: 'address intervals', value: idx.size, target: '' },
    { figure: 'index build ms', value: Math.round(buildMs), target: '< 2000' },
    { figure: 'IPv4 lookups/s (hits, time-aware)', value: Math.round(LOOKUPS / hitSec), target: '>= 2000000' },
    { figure: 'IPv4 lookups/s (misses)', value: Math.round(LOOKUPS / missSec), target: '' },
    { figure: 'IPv6 lookups/s (hits)', value: Math.round(LOOKUPS / 4 / v6Sec), target: '' },
  ]);
}

main();
