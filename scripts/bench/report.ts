/** Shared printing for the benchmarks: one line a figure, next to its reference and target. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
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
    `${what}: ${Math.round(ours).toLocaleString('en')} ${unit} vs ${refName} ${Math.round(ref).toLocaleString('en')} ${unit}` +
      ` = ${ratio.toFixed(2)}x (target >= ${target}x: ${verdict})`,
  );
}
