import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, redactUrl } from './logger.js'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  return { lines, destination }
}

describe('createLogger', () => {
  it('writes JSON lines with the level as a word', () => {
    const { lines, destination } = capture()
    createLogger({ name: 't', destination }).info({ rows: 3 }, 'inserted')
    const entry = JSON.parse(lines[0]!)
    expect(entry).toMatchObject({ name: 't', level: 'info', rows: 3, msg: 'inserted' })
  })

  it('never writes secrets, top-level or one level down', () => {
    const { lines, destination } = capture()
    createLogger({ name: 't', destination }).info(
      { token: 'xoxb-1', config: { smtpUrl: 'smtp://u:p@h', password: 'pw' } },
      'config',
    )
    expect(lines.join('')).not.toMatch(/xoxb-1|u:p@h|"pw"/)
  })
})

describe('redactUrl', () => {
  it('masks the password of a URL', () => {
    expect(redactUrl('http://alice:s3cret@ch.example:8123/')).toBe('http://alice:***@ch.example:8123/')
  })
})
