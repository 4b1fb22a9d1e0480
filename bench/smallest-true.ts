/** The smallest n ≥ 1 for which `holds(n)` is true, when it stays true above it: doubling, then bisection. */
export function smallestTrue(holds: (n: number) => boolean): number {
  let lo = 0;
  let hi = 1;
  while (!holds(hi)) hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (holds(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
