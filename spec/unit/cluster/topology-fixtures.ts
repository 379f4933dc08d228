// Topology replies copied from a real Redis 7.0.15 cluster (3 masters, 3 replicas, scripts/cluster.sh),
// written as the plain reply builder returns them: bulk -> string, integer -> number, RESP3 map -> Map.

export const ID = {
  m7000: '36380af675cc6609500b2118793d273dbe38490a',
  m7001: '0ce38d96f179dce5db63ade877137355b473f4ce',
  m7002: '382cce2f7c1de78ae06565e9c41590b059896109',
  r7003: 'b750bb9cd3f7deb0155a1ff626bfdf95765d4e8d',
  r7004: '4d94ffa31992776a15f64dc9b6ae4aadfd2d8734',
  r7005: 'ee471a3761d5011d450124f8bfbbb9c217abf9d1',
};

/** CLUSTER SLOTS over RESP2: the 4th node field (networking metadata) is an empty array. */
export const CLUSTER_SLOTS_RESP2: unknown = [
  [0, 5460, ['127.0.0.1', 7000, ID.m7000, []], ['127.0.0.1', 7003, ID.r7003, []]],
  [5461, 10922, ['127.0.0.1', 7001, ID.m7001, []], ['127.0.0.1', 7004, ID.r7004, []]],
  [10923, 16383, ['127.0.0.1', 7002, ID.m7002, []], ['127.0.0.1', 7005, ID.r7005, []]],
];

/** The same over RESP3: the metadata is a map. */
export const CLUSTER_SLOTS_RESP3: unknown = [
  [0, 5460, ['127.0.0.1', 7000, ID.m7000, new Map()], ['127.0.0.1', 7003, ID.r7003, new Map()]],
  [5461, 10922, ['127.0.0.1', 7001, ID.m7001, new Map()], ['127.0.0.1', 7004, ID.r7004, new Map()]],
  [10923, 16383, ['127.0.0.1', 7002, ID.m7002, new Map()], ['127.0.0.1', 7005, ID.r7005, new Map()]],
];

/** CLUSTER NODES from 127.0.0.1:7000: the order is the server's, not sorted. */
export const CLUSTER_NODES = [
  `${ID.m7001} 127.0.0.1:7001@17001 master - 0 1795538500137 2 connected 5461-10922`,
  `${ID.r7005} 127.0.0.1:7005@17005 slave ${ID.m7002} 0 1795538500338 3 connected`,
  `${ID.r7004} 127.0.0.1:7004@17004 slave ${ID.m7001} 0 1795538500338 2 connected`,
  `${ID.m7000} 127.0.0.1:7000@17000 myself,master - 0 1795538500000 1 connected 0-5460`,
  `${ID.r7003} 127.0.0.1:7003@17003 slave ${ID.m7000} 0 1795538500036 1 connected`,
  `${ID.m7002} 127.0.0.1:7002@17002 master - 0 1795538500339 3 connected 10923-16383`,
  '',
].join('\n');

/** CLUSTER NODES from the IPv6 cluster on [::1]:7200. */
export const CLUSTER_NODES_IPV6 = [
  '3ab38f320664930782bf68c9885741e018fa8abd ::1:7204@17204 slave 8bf4309258fe40d669adc735790a0f16754a6d58 0 1795538500169 1 connected',
  '7a552a91062f4f4e7a327db35b5c0cbd6b548c79 ::1:7203@17203 slave 3aa9f45a68ee56fa08a4027ffe2bca33a85305c6 0 1795538500370 3 connected',
  '8bf4309258fe40d669adc735790a0f16754a6d58 ::1:7200@17200 myself,master - 0 1795538500000 1 connected 0-5460',
  '3aa9f45a68ee56fa08a4027ffe2bca33a85305c6 ::1:7202@17202 master - 0 1795538500169 3 connected 10923-16383',
  '687fcbf950d23c234cac3a7ee97d68d7e6df5554 ::1:7205@17205 slave 38f2cc90cf4d263b6276097be611ab538087ae4e 0 1795538500000 2 connected',
  '38f2cc90cf4d263b6276097be611ab538087ae4e ::1:7201@17201 master - 0 1795538500169 2 connected 5461-10922',
  '',
].join('\n');

/** CLUSTER SLOTS from the IPv6 cluster (RESP3). */
export const CLUSTER_SLOTS_IPV6: unknown = [
  [
    0,
    5460,
    ['::1', 7200, '8bf4309258fe40d669adc735790a0f16754a6d58', new Map()],
    ['::1', 7204, '3ab38f320664930782bf68c9885741e018fa8abd', new Map()],
  ],
  [
    5461,
    10922,
    ['::1', 7201, '38f2cc90cf4d263b6276097be611ab538087ae4e', new Map()],
    ['::1', 7205, '687fcbf950d23c234cac3a7ee97d68d7e6df5554', new Map()],
  ],
  [
    10923,
    16383,
    ['::1', 7202, '3aa9f45a68ee56fa08a4027ffe2bca33a85305c6', new Map()],
    ['::1', 7203, '7a552a91062f4f4e7a327db35b5c0cbd6b548c79', new Map()],
  ],
];

function shardNode(id: string, port: number, role: string): unknown[] {
  return [
    'id',
    id,
    'port',
    port,
    'ip',
    '127.0.0.1',
    'endpoint',
    '127.0.0.1',
    'role',
    role,
    'replication-offset',
    14,
    'health',
    'online',
  ];
}

/** CLUSTER SHARDS over RESP2: every map is a flat key/value array. Shards come in the server's order. */
export const CLUSTER_SHARDS_RESP2: unknown = [
  [
    'slots',
    [5461, 10922],
    'nodes',
    [shardNode(ID.m7001, 7001, 'master'), shardNode(ID.r7004, 7004, 'replica')],
  ],
  ['slots', [0, 5460], 'nodes', [shardNode(ID.m7000, 7000, 'master'), shardNode(ID.r7003, 7003, 'replica')]],
  [
    'slots',
    [10923, 16383],
    'nodes',
    [shardNode(ID.m7002, 7002, 'master'), shardNode(ID.r7005, 7005, 'replica')],
  ],
];

function toResp3(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  // A flat array whose even elements are the known field names is a map in RESP3.
  if (value.length > 0 && (value[0] === 'slots' || value[0] === 'id')) {
    const map = new Map<string, unknown>();
    for (let i = 0; i < value.length; i += 2) map.set(value[i] as string, toResp3(value[i + 1]));
    return map;
  }
  return value.map(toResp3);
}

/** The same over RESP3: shards and nodes are maps. */
export const CLUSTER_SHARDS_RESP3: unknown = toResp3(CLUSTER_SHARDS_RESP2);
