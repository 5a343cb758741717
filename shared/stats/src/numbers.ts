/** float64 machine epsilon, the floor NumPy and scikit-learn clip to. */
export const FLOAT64_EPS = 2 ** -52

/** a / b, or null when b is 0: an undefined rate is reported as undefined, never as 0. */
export const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b)

export function clip01(x: number): number {
  return Math.min(1, Math.max(0, x))
}
