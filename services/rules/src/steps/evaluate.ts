import type { Rule } from '@vigil/config'
import type { MetricsMessage } from '@vigil/events'
import { type AlertState, step, type Transition } from './lifecycle.js'
import { type Observation, observe } from './observe.js'
import { type Plan, type PlanInput, plan } from './plan.js'

export interface AlertChange {
  observation: Observation
  /** The alert's new state, with the firing notifications of its episode remembered. */
  state: AlertState
  transition?: Transition
}

/**
 * One metrics message through the rules: observations, a lifecycle step per alert, the plan of
 * notifications, and the alerts whose state changed. Pure: the caller stores the changes.
 */
export function evaluateMessage(
  rules: readonly Rule[],
  m: MetricsMessage,
  context: Omit<PlanInput, 'steps'> & { states: ReadonlyMap<string, AlertState>; repeatIntervalMs: number },
): { plan: Plan; changes: AlertChange[] } {
  const steps = observe(rules, m).map((observation) => {
    const previous = context.states.get(observation.key)
    return { observation, previous, step: step(previous, observation, context.repeatIntervalMs) }
  })
  const p = plan({ ...context, steps })
  const changes: AlertChange[] = []
  for (const { observation, previous, step: s } of steps) {
    if (s.state === previous) continue
    const firingNotices = p.firingNotices.get(observation.key) ?? s.state.firingNotices
    changes.push({
      observation,
      state: { ...s.state, firingNotices },
      ...(s.transition ? { transition: s.transition } : {}),
    })
  }
  return { plan: p, changes }
}
