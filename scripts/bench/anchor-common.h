/*
 * Shared by the C anchor of `npm run bench` (anchor-sync.c, anchor-async.c): the slot map from CLUSTER SLOTS,
 * the key slot (CRC16 with {hashtag}, as the Redis cluster spec), clocks, and the bench's keys and value.
 */
#ifndef ANCHOR_COMMON_H
#define ANCHOR_COMMON_H

#include <stddef.h>

#define ANCHOR_SLOTS 16384
#define ANCHOR_MAX_NODES 64
#define ANCHOR_KEYS 1000
#define ANCHOR_VALUE "vvvvvvvvvvvvvvvv"
#define ANCHOR_VALUE_LEN 16

struct anchor_node {
  char host[256];
  int port;
};

struct anchor_map {
  int nnodes;
  struct anchor_node nodes[ANCHOR_MAX_NODES];
  /* Index into nodes of each slot's primary. */
  unsigned char owner[ANCHOR_SLOTS];
};

/* The bench's keys `bench:key:<i>`, with their lengths and slots, as the TS bench uses them. */
extern char anchor_keys[ANCHOR_KEYS][32];
extern size_t anchor_key_lens[ANCHOR_KEYS];
void anchor_make_keys(void);

unsigned anchor_keyslot(const char *key, size_t len);
/* Fills map from a seed's CLUSTER SLOTS; exits with a message when it cannot. */
void anchor_fetch_slots(const char *host, int port, struct anchor_map *map);
/* Monotonic seconds. */
double anchor_now(void);
/* CPU seconds of this process so far, user + system. */
double anchor_cpu(void);
void anchor_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
