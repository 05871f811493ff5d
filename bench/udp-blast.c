/*
 * Bench helper for bench/ingest.bench.ts: sends the NetFlow v5 datagrams in POOL_FILE (fixed
 * DGRAM_BYTES each, 30 records) to 127.0.0.1:PORT at RATE records/s for SECONDS, stamping the
 * sequence number (flows sent so far) into each, then prints what it sent and the CPU it used as
 * JSON. Written in C with sendmmsg because on these 2 cores the same sender in Node took about
 * 14 us of CPU per datagram (0.6 core at 1M records/s), CPU the collectors under test then lacked;
 * a real exporter does not share the collector's machine.
 *   cc -O2 -o udp-blast udp-blast.c && ./udp-blast POOL_FILE DGRAM_BYTES PORT RATE SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 64
#define PER 30

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s POOL_FILE DGRAM_BYTES PORT RATE SECONDS\n", argv[0]);
    return 2;
  }
  size_t size = (size_t)atol(argv[2]);
  int port = atoi(argv[3]);
  double rate = atof(argv[4]), seconds = atof(argv[5]);
  FILE *f = fopen(argv[1], "rb");
  if (!f || size < 24) return perror("pool"), 2;
  fseek(f, 0, SEEK_END);
  long total = ftell(f);
  rewind(f);
  size_t count = (size_t)total / size;
  unsigned char *pool = malloc((size_t)total);
  if (!pool || count == 0 || fread(pool, 1, (size_t)total, f) != (size_t)total) return perror("read"), 2;
  fclose(f);

  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(s, (struct sockaddr *)&to, sizeof to) != 0) return perror("connect"), 2;

  struct mmsghdr msgs[BURST];
  struct iovec iov[BURST];
  memset(msgs, 0, sizeof msgs);
  double per_s = rate / PER, start = now_s();
  uint64_t sent = 0;
  uint32_t seq = 0;
  for (;;) {
    double elapsed = now_s() - start;
    if (elapsed >= seconds) break;
    uint64_t due = (uint64_t)(elapsed * per_s);
    if (sent >= due) {
      struct timespec nap = {0, 50000};
      nanosleep(&nap, NULL);
      continue;
    }
    int n = (int)(due - sent < BURST ? due - sent : BURST);
    for (int k = 0; k < n; k++) {
      unsigned char *d = pool + ((sent + k) % count) * size;
      uint32_t be = htonl(seq + (uint32_t)k * PER);
      memcpy(d + 16, &be, 4);
      iov[k].iov_base = d;
      iov[k].iov_len = size;
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(s, msgs, n, 0);
    // A datagram the kernel refused (ECONNREFUSED after an ICMP, ENOBUFS) is not counted as sent.
    if (done > 0) {
      sent += done;
      seq += (uint32_t)done * PER;
    }
  }
  usleep(200000);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
  printf("{\"datagrams\":%llu,\"records\":%llu,\"cpuMs\":%.0f}\n", (unsigned long long)sent,
         (unsigned long long)(sent * PER), cpu);
  close(s);
  return 0;
}
