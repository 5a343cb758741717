/** Floor for empty proportions in PSI, on both sides, so an empty bin gives a finite value. */
export const PSI_FLOOR = 1e-4

/** Population stability index Σ (q − p) · ln(q / p), empty proportions floored at {@link PSI_FLOOR}. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  let s = 0
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! === 0 ? PSI_FLOOR : reference[i]!
    const q = current[i]! === 0 ? PSI_FLOOR : current[i]!
    s += (q - p) * Math.log(q / p)
  }
  return s
}

/** Jensen–Shannon distance in base 2 (SciPy's `jensenshannon(p, q, base=2)`), in [0, 1]. */
export function jensenShannon(reference: readonly number[], current: readonly number[]): number {
  const sp = reference.reduce((a, b) => a + b, 0)
  const sq = current.reduce((a, b) => a + b, 0)
  let divergence = 0
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / sp
    const q = current[i]! / sq
    const m = (p + q) / 2
    if (p > 0) divergence += p * Math.log(p / m)
    if (q > 0) divergence += q * Math.log(q / m)
  }
  return Math.sqrt(Math.max(0, divergence / Math.LN2 / 2))
}

/** Hellinger distance (1/√2)·‖√p − √q‖₂, in [0, 1]. */
export function hellinger(reference: readonly number[], current: readonly number[]): number {
  let s = 0
  for (let i = 0; i < reference.length; i++) s += (Math.sqrt(reference[i]!) - Math.sqrt(current[i]!)) ** 2
  return Math.sqrt(s) / Math.SQRT2
}

/** L∞: the largest absolute difference between two proportion vectors. */
export function linf(reference: readonly number[], current: readonly number[]): number {
  let m = 0
  for (let i = 0; i < reference.length; i++) m = Math.max(m, Math.abs(reference[i]! - current[i]!))
  return m
}
