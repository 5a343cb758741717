import { logLevel } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { logLevelOf } from './client.js'

describe('kafkajs log levels', () => {
  it('keeps kafkajs levels', () => {
    expect(logLevelOf(logLevel.ERROR, { error: 'Connection error: ECONNREFUSED' })).toBe('error')
    expect(logLevelOf(logLevel.WARN, {})).toBe('warn')
  })

  it('writes a rebalance as info, not as an error', () => {
    expect(logLevelOf(logLevel.ERROR, { error: 'The group is rebalancing, so a rejoin is needed' })).toBe(
      'info',
    )
  })
})
