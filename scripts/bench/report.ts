/** Shared printing for the benchmarks: one line a figure, next to its reference and target. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The median of each field over rounds of the same figures. */
export function medians<T extends object>(rounds: readonly T[]): T {
  const first = rounds[0]! as Record<string, number>;
  const out: Record<string, number> = {};
  for (const field of Object.keys(first)) {
    out[field] = median(rounds.map((round) => (round as Record<string, number>)[field]!));
  }
  return out as T;
}

/** `ours` as a multiple of a reference: "0.43x C" (empty without a reference). */
export function times(ours: number, ref: number | undefined, refName: string): string {
  return ref === undefined ? '' : ` = ${(ours / ref).toFixed(2)}x ${refName}`;
}

/** An integer with thousands separators. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en');
}

/** One client's throughput row: ops/s and CPU, each as a multiple of C's when C ran. */
export function throughputLine(
  label: string,
  ours: { ops: number; opsPerSecond: number; cpuSPer100k: number },
  c: { opsPerSecond: number; cpuSPer100k: number } | undefined,
  total: number,
): string {
  return (
    `    ${label.padEnd(30)} ${count(ours.opsPerSecond)} ops/s${times(ours.opsPerSecond, c?.opsPerSecond, 'C')}` +
    `; CPU ${ours.cpuSPer100k.toFixed(3)} s/100k${times(ours.cpuSPer100k, c?.cpuSPer100k, 'C')}` +
    (ours.ops < total ? ` (time limit: ${count(ours.ops)} commands)` : '')
  );
}

/** Prints `ours` next to a reference; `target` is the ratio to reach (higher is better). */
export function report(
  what: string,
  unit: string,
  ours: number,
  refName: string,
  ref: number,
  target: number,
) {
  const ratio = ours / ref;
  const verdict = ratio >= target ? 'meets' : 'MISSES';
  console.log(
    `${what}: ${count(ours)} ${unit} vs ${refName} ${count(ref)} ${unit}` +
      ` = ${ratio.toFixed(2)}x (target >= ${target}x: ${verdict})`,
  );
}
