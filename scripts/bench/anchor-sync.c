/*
 * The C anchor of `npm run bench`, blocking face: plain hiredis (redisConnect), routed by the key's slot from
 * a seed's CLUSTER SLOTS. Prints one JSON line. The plain cluster is shared: another run's FLUSHALL (the
 * integration specs' set-up) may empty a key, so a GET may find nothing (the value is then set again).
 *
 *   anchor-sync get HOST:PORT N KEY     SET KEY to the bench's 16-byte value, then N sequential GET KEY, each
 *                                       timed: ops/s, p50/p90/p99 µs, CPU s per 100k calls
 *   anchor-sync pipeline HOST:PORT N    pipelines of 1000 (SET, GET pairs over bench:key:0..999), each command
 *                                       to its key's primary, one connection a primary, until N commands
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor-common.h"

#define PIPELINE 1000

static struct anchor_map map;
static redisContext *links[ANCHOR_MAX_NODES];

static redisContext *link_to(int node) {
  if (links[node] == NULL) {
    redisContext *c = redisConnect(map.nodes[node].host, map.nodes[node].port);
    if (c == NULL || c->err)
      anchor_die("cannot connect to %s:%d: %s", map.nodes[node].host, map.nodes[node].port,
                 c ? c->errstr : "out of memory");
    links[node] = c;
  }
  return links[node];
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void set_value(redisContext *c, const char *key) {
  redisReply *r = redisCommand(c, "SET %s %s", key, ANCHOR_VALUE);
  if (r == NULL || r->type != REDIS_REPLY_STATUS) anchor_die("SET %s failed", key);
  freeReplyObject(r);
}

static void sequential_get(long n, const char *key) {
  redisContext *c = link_to(map.owner[anchor_keyslot(key, strlen(key))]);
  redisReply *r;
  set_value(c, key);
  double *times = malloc((size_t)n * sizeof *times);
  if (times == NULL) anchor_die("out of memory");
  double cpu = anchor_cpu(), began = anchor_now();
  for (long i = 0; i < n; i++) {
    double start = anchor_now();
    r = redisCommand(c, "GET %s", key);
    times[i] = (anchor_now() - start) * 1e6;
    if (r == NULL) anchor_die("GET %s failed: %s", key, c->errstr);
    int found = r->type == REDIS_REPLY_STRING && r->len == ANCHOR_VALUE_LEN;
    if (!found && r->type != REDIS_REPLY_NIL) anchor_die("GET %s got a wrong reply", key);
    freeReplyObject(r);
    if (!found) set_value(c, key);
  }
  double elapsed = anchor_now() - began;
  cpu = anchor_cpu() - cpu;
  qsort(times, (size_t)n, sizeof *times, by_value);
  printf("{\"ops\":%ld,\"opsPerSecond\":%.0f,\"p50Us\":%.2f,\"p90Us\":%.2f,\"p99Us\":%.2f,\"cpuSPer100k\":%.4f}\n", n,
         n / elapsed, times[n / 2], times[n * 90 / 100], times[n * 99 / 100], cpu / n * 1e5);
  free(times);
}

static void pipelined(long n) {
  static int owner[ANCHOR_KEYS];
  static const char *set_argv[ANCHOR_KEYS][3], *get_argv[ANCHOR_KEYS][2];
  static size_t set_lens[ANCHOR_KEYS][3], get_lens[ANCHOR_KEYS][2];
  for (int i = 0; i < ANCHOR_KEYS; i++) {
    owner[i] = map.owner[anchor_keyslot(anchor_keys[i], anchor_key_lens[i])];
    link_to(owner[i]);
    set_argv[i][0] = "SET", set_lens[i][0] = 3;
    set_argv[i][1] = get_argv[i][1] = anchor_keys[i], set_lens[i][1] = get_lens[i][1] = anchor_key_lens[i];
    set_argv[i][2] = ANCHOR_VALUE, set_lens[i][2] = ANCHOR_VALUE_LEN;
    get_argv[i][0] = "GET", get_lens[i][0] = 3;
  }
  double cpu = anchor_cpu(), began = anchor_now();
  for (long done = 0; done < n; done += PIPELINE) {
    for (int i = 0; i < PIPELINE; i += 2) {
      redisContext *c = links[owner[i]];
      redisAppendCommandArgv(c, 3, set_argv[i], set_lens[i]);
      redisAppendCommandArgv(c, 2, get_argv[i], get_lens[i]);
    }
    /* Every primary gets its part before the first reply is read: otherwise redisGetReply would flush one
       link at a time and the primaries would take turns. */
    for (int node = 0; node < map.nnodes; node++) {
      int written = 0;
      while (links[node] != NULL && !written)
        if (redisBufferWrite(links[node], &written) != REDIS_OK) anchor_die("write failed");
    }
    for (int i = 0; i < PIPELINE; i += 2) {
      redisContext *c = links[owner[i]];
      redisReply *set, *get;
      if (redisGetReply(c, (void **)&set) != REDIS_OK || set->type != REDIS_REPLY_STATUS ||
          redisGetReply(c, (void **)&get) != REDIS_OK ||
          !(get->type == REDIS_REPLY_NIL || (get->type == REDIS_REPLY_STRING && get->len == ANCHOR_VALUE_LEN)))
        anchor_die("pipeline got a wrong reply");
      freeReplyObject(set);
      freeReplyObject(get);
    }
  }
  double elapsed = anchor_now() - began;
  cpu = anchor_cpu() - cpu;
  printf("{\"ops\":%ld,\"opsPerSecond\":%.0f,\"cpuSPer100k\":%.4f}\n", n, n / elapsed, cpu / n * 1e5);
}

int main(int argc, char **argv) {
  if (argc < 4 || (strcmp(argv[1], "get") == 0 && argc != 5) || (strcmp(argv[1], "pipeline") == 0 && argc != 4))
    anchor_die("usage: anchor-sync get HOST:PORT N KEY | anchor-sync pipeline HOST:PORT N");
  char host[256];
  int port;
  if (sscanf(argv[2], "%255[^:]:%d", host, &port) != 2) anchor_die("bad seed %s", argv[2]);
  long n = strtol(argv[3], NULL, 10);
  if (n <= 0) anchor_die("bad count %s", argv[3]);
  anchor_make_keys();
  anchor_fetch_slots(host, port, &map);
  if (strcmp(argv[1], "get") == 0)
    sequential_get(n, argv[4]);
  else if (strcmp(argv[1], "pipeline") == 0)
    pipelined(n);
  else
    anchor_die("unknown mode %s", argv[1]);
  for (int node = 0; node < map.nnodes; node++)
    if (links[node] != NULL) redisFree(links[node]);
  return 0;
}
