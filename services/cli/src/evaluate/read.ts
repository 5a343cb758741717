import { InputFileError, nonBlankLines } from '@vigil/baselines'
import { createEventParser, type LabelEvent, type PredictionEvent } from '@vigil/events'

/**
 * Reads an NDJSON file of prediction or label events, each line checked against its schema as the
 * pipeline checks it; the first invalid line stops the read with the file, line and reason.
 */
export async function readEvents(file: string, kind: 'prediction'): Promise<PredictionEvent[]>
export async function readEvents(file: string, kind: 'label'): Promise<LabelEvent[]>
export async function readEvents(file: string, kind: 'prediction' | 'label'): Promise<unknown[]> {
  const parser = kind === 'prediction' ? createEventParser('prediction') : createEventParser('label')
  const events: unknown[] = []
  for await (const { line, text } of nonBlankLines(file)) {
    const r = parser.parse(text)
    if (!r.ok) throw new InputFileError(file, line, `not a valid ${kind} event: ${r.reason}`)
    events.push(r.value)
  }
  if (events.length === 0) throw new InputFileError(file, undefined, `the file has no ${kind} events`)
  return events
}
