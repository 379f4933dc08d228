/** hiredis-cluster's test CLIs' printReply: text replies bare, integers in decimal, others by type number. */
import {
  REDIS_REPLY_BIGNUM,
  REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER,
  REDIS_REPLY_STATUS,
  REDIS_REPLY_STRING,
  REDIS_REPLY_VERB,
  type TypedReply,
} from '../resp/build.js';

export function formatReply(reply: TypedReply): string {
  switch (reply.type) {
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_VERB:
    case REDIS_REPLY_BIGNUM:
      return `${reply.str}\n`;
    case REDIS_REPLY_INTEGER:
      return `${reply.integer}\n`;
    default:
      return `Unhandled reply type: ${reply.type}\n`;
  }
}
