/**
 * The floor of a Node UDP collector, for bench/ingest.bench.ts: a process that receives NetFlow v5
 * datagrams on a dgram socket as UdpListener does (same receive buffer, one 'message' event per
 * datagram) and only counts their records from the v5 header, with no decoding, attribution or
 * publishing. Its CPU per record is what any Node collector pays before doing its own work; set
 * beside nfcapd's whole path it shows how much of a ratio to nfcapd the runtime alone takes.
 * Prints {"port"} when it listens; on SIGTERM prints {"got"} and exits.
 *   udp-floor.ts
 */
import { createSocket } from 'node:dgram';
import { DEFAULT_RECV_BUFFER_SIZE } from '../libs/flows/src/udp-listener';

let got = 0;
const socket = createSocket({ type: 'udp4', recvBufferSize: DEFAULT_RECV_BUFFER_SIZE });
socket.on('message', (m: Buffer) => {
  if (m.length >= 4) got += m.readUInt16BE(2);
});
socket.bind(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: socket.address().port }) + '\n'));
process.once('SIGTERM', () => {
  socket.close();
  process.stdout.write(JSON.stringify({ got }) + '\n');
  process.exit(0);
});
