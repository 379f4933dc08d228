/**
 * Redis' glob-style pattern match (stringmatchlen: `*`, `?`, `[abc]`, `[^a-z]`, `\x`), for keys a cluster
 * SCAN reads slot by slot (CLUSTER GETKEYSINSLOT has no MATCH of its own).
 */
export function globMatch(pattern: string, text: string): boolean {
  return matchAt(pattern, 0, text, 0);
}

function matchAt(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      let i = pi + 1;
      const not = p[i] === '^';
      if (not) i++;
      let matched = false;
      while (i < p.length && p[i] !== ']') {
        if (p[i] === '\\' && i + 1 < p.length) {
          i++;
          if (p[i] === s[si]) matched = true;
        } else if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
          let lo = p[i]!;
          let hi = p[i + 2]!;
          if (lo > hi) [lo, hi] = [hi, lo];
          if (s[si]! >= lo && s[si]! <= hi) matched = true;
          i += 2;
        } else if (p[i] === s[si]) matched = true;
        i++;
      }
      if (matched === not) return false;
      pi = i + 1;
      si++;
      continue;
    }
    const literal = c === '\\' && pi + 1 < p.length ? p[++pi]! : c;
    if (literal !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}
