/* See anchor-common.h. */
#include "anchor-common.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

char anchor_keys[ANCHOR_KEYS][32];
size_t anchor_key_lens[ANCHOR_KEYS];

void anchor_make_keys(void) {
  for (int i = 0; i < ANCHOR_KEYS; i++)
    anchor_key_lens[i] = (size_t)snprintf(anchor_keys[i], sizeof anchor_keys[i], "bench:key:%d", i);
}

void anchor_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("anchor: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* CRC16-CCITT (XMODEM), bit by bit: the slot is computed once per key outside the measured loops. */
static unsigned crc16(const char *buf, size_t len) {
  unsigned crc = 0;
  for (size_t i = 0; i < len; i++) {
    crc ^= (unsigned)(unsigned char)buf[i] << 8;
    for (int b = 0; b < 8; b++) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

unsigned anchor_keyslot(const char *key, size_t len) {
  size_t s, e;
  for (s = 0; s < len && key[s] != '{'; s++) {
  }
  if (s < len) {
    for (e = s + 1; e < len && key[e] != '}'; e++) {
    }
    /* Only a non-empty {tag} counts. */
    if (e < len && e != s + 1) return crc16(key + s + 1, e - s - 1) & (ANCHOR_SLOTS - 1);
  }
  return crc16(key, len) & (ANCHOR_SLOTS - 1);
}

static int node_index(struct anchor_map *map, const char *host, int port) {
  for (int i = 0; i < map->nnodes; i++)
    if (map->nodes[i].port == port && strcmp(map->nodes[i].host, host) == 0) return i;
  if (map->nnodes == ANCHOR_MAX_NODES) anchor_die("more than %d primaries", ANCHOR_MAX_NODES);
  struct anchor_node *n = &map->nodes[map->nnodes];
  snprintf(n->host, sizeof n->host, "%s", host);
  n->port = port;
  return map->nnodes++;
}

void anchor_fetch_slots(const char *host, int port, struct anchor_map *map) {
  redisContext *c = redisConnect(host, port);
  if (c == NULL || c->err) anchor_die("cannot connect to %s:%d: %s", host, port, c ? c->errstr : "out of memory");
  redisReply *r = redisCommand(c, "CLUSTER SLOTS");
  if (r == NULL || r->type != REDIS_REPLY_ARRAY) anchor_die("CLUSTER SLOTS from %s:%d failed", host, port);
  map->nnodes = 0;
  memset(map->owner, 0xff, sizeof map->owner);
  for (size_t i = 0; i < r->elements; i++) {
    redisReply *range = r->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3) anchor_die("bad CLUSTER SLOTS entry");
    redisReply *primary = range->element[2];
    if (primary->type != REDIS_REPLY_ARRAY || primary->elements < 2) anchor_die("bad CLUSTER SLOTS node");
    /* An empty or NIL endpoint means "the host you asked" (cluster-preferred-endpoint-type unknown-endpoint). */
    const char *ip =
        primary->element[0]->type == REDIS_REPLY_STRING && primary->element[0]->len > 0 ? primary->element[0]->str : host;
    int owner = node_index(map, ip, (int)primary->element[1]->integer);
    for (long long slot = range->element[0]->integer; slot <= range->element[1]->integer; slot++)
      map->owner[slot] = (unsigned char)owner;
  }
  freeReplyObject(r);
  redisFree(c);
  for (int slot = 0; slot < ANCHOR_SLOTS; slot++)
    if (map->owner[slot] == 0xff) anchor_die("slot %d has no primary", slot);
}

double anchor_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double anchor_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}
