/** The failures a primary killed with SIGKILL explains, until its replica is promoted and the client has the new map. */
export const PRIMARY_KILL_FAILURES: readonly string[] = [
  // The connection to the killed node breaks, reconnects are refused until the map moves on.
  'Server closed the connection',
  'Connection reset by peer',
  // A write that reaches the socket after the reset came in, before the read noticed it (EPIPE).
  'Broken pipe',
  'Connection refused',
  // Between the FAIL flag and the promotion every node answers CLUSTERDOWN: retried with backoff
  // until the retries run out.
  'too many cluster retries',
  // Commands queued on a link to the killed node when the new map drops it (hiredis: NULL reply).
  'node left the cluster',
];
