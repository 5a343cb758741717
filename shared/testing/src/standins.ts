// Local stand-ins at the network boundary (DESIGN.md §11) for tests and the demo: a Slack Web API,
// an SMTP server and a webhook receiver that verifies signatures. Each records what it received.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createEventParser } from '@vigil/events'
import { SMTPServer } from 'smtp-server'

async function listen(server: Server | SMTPServer, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
  const s = server as unknown as { address?: () => AddressInfo; server?: Server }
  return ((s.address ? s.address() : s.server!.address()) as AddressInfo).port
}

/** A port that was free a moment ago: for a stand-in that is "down" until it starts there. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  const port = await listen(probe)
  await new Promise<void>((r) => probe.close(() => r()))
  return port
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += chunk
  return body
}

export interface SlackPost {
  channel: string
  text: string
  threadTs?: string
  blocks: unknown[]
  key: string
  ts: string
  at: number
}

/** The file in an upload: the body itself, or its part of a multipart/form-data body (the SDK sends one). */
function uploadedFile(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  if (!contentType.startsWith('multipart/form-data') || !boundary) return body
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`)
  const start = body.indexOf(delimiter)
  const headersEnd = body.indexOf('\r\n\r\n', start)
  const end = body.indexOf(delimiter, headersEnd)
  return body.subarray(headersEnd + 4, end - 2) // the part ends with CRLF before the next delimiter
}

export interface SlackUpload {
  filename: string
  title: string
  channel: string
  threadTs: string
  bytes: Buffer
  at: number
}

export interface SlackUpdate {
  channel: string
  ts: string
  text: string
}

/**
 * Answers Slack's Web API as the rules service calls it: `chat.postMessage` (answering with a
 * channel id, as Slack does), `chat.update`, and a file upload into a thread
 * (`files.getUploadURLExternal`, the bytes to the URL it gave, `files.completeUploadExternal`,
 * which `files.uploadV2` wraps). `replies` queues non-OK answers to the next post (429 with
 * Retry-After, 500).
 */
export async function slackStandIn(port = 0) {
  const posts: SlackPost[] = []
  const calls: number[] = []
  const replies: { status: number; retryAfter?: number }[] = []
  const uploads: SlackUpload[] = []
  const updates: SlackUpdate[] = []
  const pending = new Map<string, { filename: string; bytes?: Buffer }>()
  let n = 0
  let bound = 0
  /** Slack names channels by id in its answers; the stand-in's id says which name it stands for. */
  const channelId = (name: string) => (name.startsWith('C_') ? name : `C_${name.replace(/^#/, '')}`)
  const json = (res: import('node:http').ServerResponse, body: object, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path.startsWith('/upload/')) {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const file = pending.get(path.slice('/upload/'.length))
      if (!file) return json(res, { ok: false, error: 'unknown upload' }, 404)
      file.bytes = uploadedFile(Buffer.concat(chunks), String(req.headers['content-type'] ?? ''))
      res.writeHead(200, { 'content-type': 'text/plain' })
      return res.end('OK')
    }
    const raw = await readBody(req)
    const form = new URLSearchParams(raw)
    const field = (k: string) => form.get(k) ?? undefined
    const method = path.replace(/^\/api\//, '')
    if (method === 'files.getUploadURLExternal') {
      const id = `F${String(++n).padStart(6, '0')}`
      pending.set(id, { filename: field('filename') ?? '' })
      return json(res, { ok: true, upload_url: `http://127.0.0.1:${bound}/upload/${id}`, file_id: id })
    }
    if (method === 'files.completeUploadExternal') {
      for (const f of JSON.parse(field('files') ?? '[]') as { id: string; title?: string }[]) {
        const file = pending.get(f.id)
        if (!file?.bytes) return json(res, { ok: false, error: 'file_not_found' })
        uploads.push({
          filename: file.filename,
          title: f.title ?? '',
          channel: field('channel_id') ?? '',
          threadTs: field('thread_ts') ?? '',
          bytes: file.bytes,
          at: Date.now(),
        })
      }
      return json(res, { ok: true, files: [] })
    }
    if (method === 'chat.update') {
      updates.push({ channel: field('channel') ?? '', ts: field('ts') ?? '', text: field('text') ?? '' })
      return json(res, { ok: true, channel: field('channel'), ts: field('ts') })
    }
    calls.push(Date.now())
    const reply = replies.shift()
    if (reply) {
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        ...(reply.retryAfter !== undefined ? { 'retry-after': String(reply.retryAfter) } : {}),
      })
      return res.end(
        JSON.stringify({ ok: false, error: reply.status === 429 ? 'ratelimited' : 'internal_error' }),
      )
    }
    const ts = `1700000000.${String(++n).padStart(6, '0')}`
    const metadata = JSON.parse(field('metadata') ?? '{}') as { event_payload?: { idempotency_key?: string } }
    posts.push({
      channel: field('channel') ?? '',
      text: field('text') ?? '',
      ...(field('thread_ts') ? { threadTs: field('thread_ts')! } : {}),
      blocks: JSON.parse(field('blocks') ?? '[]') as unknown[],
      key: metadata.event_payload?.idempotency_key ?? '',
      ts,
      at: Date.now(),
    })
    json(res, { ok: true, channel: channelId(field('channel') ?? ''), ts })
  })
  bound = await listen(server, port)
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}/api/`,
    posts,
    calls,
    replies,
    uploads,
    updates,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`): records each event and answers 202 with its
 * dedup_key as PagerDuty does; `failNext` answers that many requests 500 first.
 */
export async function pagerDutyStandIn(port = 0) {
  const events: Record<string, unknown>[] = []
  let failNext = 0
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    if (failNext > 0) {
      failNext--
      res.writeHead(500, { 'content-type': 'application/json' })
      return res.end('{"status":"error"}')
    }
    const event = JSON.parse(body) as Record<string, unknown>
    events.push(event)
    res.writeHead(202, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: event.dedup_key }))
  })
  const bound = await listen(server, port)
  return {
    url: `http://127.0.0.1:${bound}/v2/enqueue`,
    events,
    failNext: (n: number) => {
      failNext = n
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

export interface Mail {
  to: string
  subject: string
  key: string
  raw: string
}

/** An SMTP server on a fixed port that can be started and stopped (to play "down for a while"). */
export async function smtpStandIn(port?: number) {
  const mails: Mail[] = []
  let server: SMTPServer | undefined
  let bound = port ?? 0
  const start = async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = ''
        stream.setEncoding('utf8')
        stream.on('data', (c: string) => {
          raw += c
        })
        stream.on('end', () => {
          // Long headers are folded over lines (RFC 5322 §2.2.3); unfold before reading them.
          const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ')
          const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? ''
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            subject: header('Subject'),
            key: header('X-Vigil-Idempotency-Key'),
            raw,
          })
          callback()
        })
      },
    })
    bound = await listen(server, bound)
  }
  return {
    mails,
    start,
    stop: () => new Promise<void>((r) => (server ? server.close(() => r()) : r())),
    url: () => `smtp://127.0.0.1:${bound}`,
    reservePort: async () => {
      bound = await freePort()
      return bound
    },
  }
}

export interface Delivery {
  key: string
  body: Record<string, unknown>
  /** The signature checked out. */
  valid: boolean
  /** Why the body does not fit schemas/events/webhook.v1, if it does not. */
  contractProblem?: string
}

/** A webhook receiver that checks X-Vigil-Signature against the secret and counts idempotency keys. */
export async function webhookReceiver(secret: string, port = 0) {
  const deliveries: Delivery[] = []
  const contract = createEventParser('webhook', { maxBytes: 16 * 1024 * 1024 })
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    const ts = String(req.headers['x-vigil-timestamp'] ?? '')
    const got = Buffer.from(String(req.headers['x-vigil-signature'] ?? ''))
    const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`)
    const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300
    const valid = fresh && got.length === want.length && timingSafeEqual(got, want)
    const checked = contract.parse(body)
    deliveries.push({
      key: String(req.headers['idempotency-key'] ?? ''),
      body: JSON.parse(body),
      valid,
      ...(checked.ok ? {} : { contractProblem: checked.reason }),
    })
    res.writeHead(valid ? 200 : 401).end()
  })
  const bound = await listen(server, port)
  return {
    port: bound,
    url: (path: string) => `http://127.0.0.1:${bound}${path}`,
    deliveries,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
