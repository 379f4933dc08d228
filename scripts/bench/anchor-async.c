/*
 * The C anchor of `npm run bench`, async face: hiredis' async API on libevent, one connection a primary (from a
 * seed's CLUSTER SLOTS), 1000 commands in flight in total (SET, GET alternating over bench:key:0..999, 16-byte
 * values), each to its key's primary, until N have completed. The clock starts at the first command, once
 * every connection is up. Prints one JSON line: ops/s and CPU s per 100k commands.
 *
 *   anchor-async HOST:PORT N
 */
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor-common.h"

#define IN_FLIGHT 1000

static struct anchor_map map;
static struct event_base *base;
static redisAsyncContext *links[ANCHOR_MAX_NODES];
static int owner[ANCHOR_KEYS];
static const char *set_argv[ANCHOR_KEYS][3], *get_argv[ANCHOR_KEYS][2];
static size_t set_lens[ANCHOR_KEYS][3], get_lens[ANCHOR_KEYS][2];
static long total, sent, done;
static int connected;
static double began, ended, cpu_began, cpu_ended;
/* The privdata of a GET, whose reply is the 16-byte value (a SET's is the status OK), or nothing after
   another run's FLUSHALL on the shared cluster (the integration specs' set-up). */
static char is_get;

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);

/* SET then GET of one key, so that every GET reads a 16-byte value. */
static void send_next(void) {
  int key = (int)((sent >> 1) % ANCHOR_KEYS);
  redisAsyncContext *ac = links[owner[key]];
  int ok = sent++ % 2 == 0 ? redisAsyncCommandArgv(ac, on_reply, NULL, 3, set_argv[key], set_lens[key])
                           : redisAsyncCommandArgv(ac, on_reply, &is_get, 2, get_argv[key], get_lens[key]);
  if (ok != REDIS_OK) anchor_die("command refused: %s", ac->errstr);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  redisReply *r = reply;
  if (r == NULL) anchor_die("no reply: %s", ac->errstr);
  if (r->type == REDIS_REPLY_ERROR) anchor_die("error reply: %s", r->str);
  if (privdata == &is_get ? r->type != REDIS_REPLY_NIL && (r->type != REDIS_REPLY_STRING || r->len != ANCHOR_VALUE_LEN)
                          : r->type != REDIS_REPLY_STATUS)
    anchor_die("wrong reply type %d", r->type);
  if (++done == total) {
    ended = anchor_now();
    cpu_ended = anchor_cpu();
    event_base_loopbreak(base);
  } else if (sent < total) {
    send_next();
  }
}

static void on_connect(const redisAsyncContext *ac, int status) {
  if (status != REDIS_OK) anchor_die("connect failed: %s", ac->errstr);
  if (++connected < map.nnodes) return;
  cpu_began = anchor_cpu();
  began = anchor_now();
  for (int i = 0; i < IN_FLIGHT && sent < total; i++) send_next();
}

int main(int argc, char **argv) {
  char host[256];
  int port;
  if (argc != 3 || sscanf(argv[1], "%255[^:]:%d", host, &port) != 2) anchor_die("usage: anchor-async HOST:PORT N");
  total = strtol(argv[2], NULL, 10);
  if (total <= 0) anchor_die("bad count %s", argv[2]);
  anchor_make_keys();
  anchor_fetch_slots(host, port, &map);
  for (int i = 0; i < ANCHOR_KEYS; i++) {
    owner[i] = map.owner[anchor_keyslot(anchor_keys[i], anchor_key_lens[i])];
    set_argv[i][0] = "SET", set_lens[i][0] = 3;
    set_argv[i][1] = get_argv[i][1] = anchor_keys[i], set_lens[i][1] = get_lens[i][1] = anchor_key_lens[i];
    set_argv[i][2] = ANCHOR_VALUE, set_lens[i][2] = ANCHOR_VALUE_LEN;
    get_argv[i][0] = "GET", get_lens[i][0] = 3;
  }
  base = event_base_new();
  for (int node = 0; node < map.nnodes; node++) {
    redisAsyncContext *ac = redisAsyncConnect(map.nodes[node].host, map.nodes[node].port);
    if (ac == NULL || ac->err)
      anchor_die("cannot connect to %s:%d: %s", map.nodes[node].host, map.nodes[node].port,
                 ac ? ac->errstr : "out of memory");
    redisLibeventAttach(ac, base);
    /* After the attach: setting the callback asks for the first write event, which tells the link is up. */
    redisAsyncSetConnectCallback(ac, on_connect);
    links[node] = ac;
  }
  event_base_dispatch(base);
  if (done != total) anchor_die("event loop ended after %ld of %ld replies", done, total);
  printf("{\"ops\":%ld,\"opsPerSecond\":%.0f,\"cpuSPer100k\":%.4f}\n", total, total / (ended - began),
         (cpu_ended - cpu_began) / total * 1e5);
  for (int node = 0; node < map.nnodes; node++) redisAsyncFree(links[node]);
  event_base_free(base);
  return 0;
}
