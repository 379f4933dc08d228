/**
 * Two loopback nodes that answer a key's GET with a fault chosen for that key: A owns every slot and
 * misbehaves as told, B answers what A sends elsewhere (MOVED, ASK). Replies on one connection keep their
 * order however long each takes. For randomized specs whose client runs in another process.
 */
import net from 'node:net';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { FrameScanner } from '../../lib/resp/scan.js';
import { encodeResp, error, type RespValue, status } from './resp-values.js';

/** What A does with `GET k<i>`. */
export type Fault = 'plain' | 'split' | 'slow' | 'big' | 'error' | 'moved' | 'ask' | 'reset';

export const FAULTS: readonly Fault[] = ['plain', 'split', 'slow', 'big', 'error', 'moved', 'ask', 'reset'];

/** The value of key k<i>: big ones outgrow any first read buffer. */
export function keyValue(i: number, fault: Fault): string {
  return fault === 'big' ? `v${i}:`.padEnd(70_000 + (i % 997) * 37, 'x') : `v${i}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses whole RESP multibulk commands off the front of `buf`; returns them and the bytes used. */
function commands(scanner: FrameScanner, buf: Buffer): { argvs: string[][]; used: number } {
  const argvs: string[][] = [];
  let at = 0;
  for (;;) {
    const end = scanner.scan(buf, at, buf.length);
    if (end < 0) return { argvs, used: at };
    const argv: string[] = [];
    let pos = buf.indexOf('\r\n', at) + 2;
    while (pos < end) {
      const lineEnd = buf.indexOf('\r\n', pos);
      const length = Number(buf.toString('latin1', pos + 1, lineEnd));
      argv.push(buf.toString('utf8', lineEnd + 2, lineEnd + 2 + length));
      pos = lineEnd + 4 + length;
    }
    argvs.push(argv);
    at = end;
  }
}

export class FaultNodes {
  readonly a: net.Server;
  readonly b: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Keys A has said MOVED for. */
  private readonly moved = new Set<number>();

  private constructor(
    private readonly faults: readonly Fault[],
    /** Per key, ms between the parts of a split reply, or before a slow one. */
    private readonly delays: readonly number[],
  ) {
    this.a = net.createServer((socket) => this.serve(socket, true));
    this.b = net.createServer((socket) => this.serve(socket, false));
  }

  static async start(faults: readonly Fault[], delays: readonly number[]): Promise<FaultNodes> {
    const nodes = new FaultNodes(faults, delays);
    for (const server of [nodes.a, nodes.b]) {
      await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    }
    return nodes;
  }

  portOf(server: net.Server): number {
    return (server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([this.a, this.b].map((s) => new Promise((resolve) => s.close(resolve))));
  }

  private serve(socket: net.Socket, isA: boolean): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const scanner = new FrameScanner();
    let pending = Buffer.alloc(0);
    // Replies leave in command order, each after the one before it.
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const { argvs, used } = commands(scanner, pending);
      pending = pending.subarray(used);
      for (const argv of argvs) queue = queue.then(() => this.answer(socket, isA, argv));
    });
  }

  private async answer(socket: net.Socket, isA: boolean, argv: string[]): Promise<void> {
    if (socket.destroyed) return;
    const send = (value: RespValue) => socket.write(encodeResp(value));
    const name = argv[0]!.toUpperCase();
    if (name === 'CLUSTER') return void send([[0, 16383, ['127.0.0.1', this.portOf(this.a), 'a']]]);
    if (name === 'ASKING') return void send(status('OK'));
    const i = Number(argv[1]!.slice(1));
    const fault = this.faults[i]!;
    const value = keyValue(i, fault);
    if (!isA) return void send(value);
    const slot = keySlot(argv[1]!);
    switch (fault) {
      case 'split': {
        const bytes = encodeResp(value);
        const cut = 1 + (i % (bytes.length - 1));
        socket.write(bytes.subarray(0, cut));
        await sleep(this.delays[i]!);
        if (!socket.destroyed) socket.write(bytes.subarray(cut));
        return;
      }
      case 'slow':
        await sleep(this.delays[i]!);
        if (!socket.destroyed) send(value);
        return;
      case 'error':
        return void send(error(`ERR e${i}`));
      case 'moved':
        // Once: the map A gives next still says A, and a node that moved a slot away would not say MOVED again.
        if (this.moved.has(i)) return void send(value);
        this.moved.add(i);
        return void send(error(`MOVED ${slot} 127.0.0.1:${this.portOf(this.b)}`));
      case 'ask':
        return void send(error(`ASK ${slot} 127.0.0.1:${this.portOf(this.b)}`));
      case 'reset':
        socket.resetAndDestroy();
        return;
      default:
        send(value);
    }
  }
}
