import { writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { parseIPv4, parseIPv6 } from '@sg/common';

/** One packet to put on the wire: TCP or UDP over IPv4 or IPv6 (chosen by the address form). */
export interface PcapPacket {
  tsMs: number;
  src: string;
  dst: string;
  proto: 6 | 17;
  srcPort: number;
  dstPort: number;
  /** TCP flag bits (FIN 1, SYN 2, RST 4, PSH 8, ACK 16); ignored for UDP. */
  tcpFlags?: number;
  /** Transport payload length in bytes (zero-filled). */
  payload?: number;
}

const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
const UDP_HEADER = 8;

/**
 * Writes a classic libpcap file (Ethernet link type) of synthetic TCP/UDP packets, so a test can
 * feed a real exporter such as softflowd with traffic whose flows it knows exactly.
 * `add` returns the IP length of the packet, which is what flow exporters count as bytes.
 */
export class PcapWriter {
  private readonly records: Buffer[] = [];

  add(p: PcapPacket): number {
    const v4 = isIPv4(p.src);
    const transport = (p.proto === 6 ? TCP_HEADER : UDP_HEADER) + (p.payload ?? 0);
    const ipLength = (v4 ? IPV4_HEADER : IPV6_HEADER) + transport;
    const frame = Buffer.alloc(ETH_HEADER + ipLength);
    frame.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0);
    frame.writeUInt16BE(v4 ? 0x0800 : 0x86dd, 12);
    let t = ETH_HEADER;
    if (v4) {
      frame[t] = 0x45;
      frame.writeUInt16BE(ipLength, t + 2);
      frame.writeUInt16BE(this.records.length & 0xffff, t + 4);
      frame[t + 8] = 64;
      frame[t + 9] = p.proto;
      frame.writeUInt32BE(parseIPv4(p.src), t + 12);
      frame.writeUInt32BE(parseIPv4(p.dst), t + 16);
      frame.writeUInt16BE(checksum(frame, t, IPV4_HEADER), t + 10);
      t += IPV4_HEADER;
    } else {
      frame.writeUInt32BE(0x60000000, t);
      frame.writeUInt16BE(transport, t + 4);
      frame[t + 6] = p.proto;
      frame[t + 7] = 64;
      const s = parseIPv6(p.src);
      const d = parseIPv6(p.dst);
      if (!s || !d) throw new Error(`bad IPv6 address in ${p.src} -> ${p.dst}`);
      for (let w = 0; w < 4; w++) {
        frame.writeUInt32BE(s[w], t + 8 + w * 4);
        frame.writeUInt32BE(d[w], t + 24 + w * 4);
      }
      t += IPV6_HEADER;
    }
    frame.writeUInt16BE(p.srcPort, t);
    frame.writeUInt16BE(p.dstPort, t + 2);
    if (p.proto === 6) {
      frame.writeUInt32BE(1000 + this.records.length, t + 4);
      frame[t + 12] = 5 << 4;
      frame[t + 13] = p.tcpFlags ?? 0x10;
      frame.writeUInt16BE(65535, t + 14);
    } else {
      frame.writeUInt16BE(transport, t + 4);
    }
    // Transport checksums stay zero: exporters do not verify them.
    const rec = Buffer.alloc(16 + frame.length);
    rec.writeUInt32LE(Math.floor(p.tsMs / 1000), 0);
    rec.writeUInt32LE((p.tsMs % 1000) * 1000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    frame.copy(rec, 16);
    this.records.push(rec);
    return ipLength;
  }

  toBuffer(): Buffer {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    return Buffer.concat([header, ...this.records]);
  }

  writeFile(path: string): void {
    writeFileSync(path, this.toBuffer());
  }
}

function checksum(b: Buffer, off: number, len: number): number {
  let sum = 0;
  for (let k = 0; k < len; k += 2) sum += (b[off + k] << 8) | b[off + k + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
