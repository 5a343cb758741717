import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { InputFileError } from '@vigil/baselines'
import { modelConfig } from '@vigil/config'
import { decodeRequest, decodeResponse, toPredictions } from '@vigil/ingest'
import type { Cli } from '../cli.js'
import { UserError } from '../client/backend.js'

async function readJson(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new InputFileError(
      file,
      undefined,
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
    )
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new InputFileError(file, undefined, `invalid JSON: ${(err as Error).message}`)
  }
}

export function registerIngest({ program, config, run }: Cli): void {
  const command = program
    .command('ingest')
    .description("Serving stacks' bodies as prediction events (the model's ingest mapping in vigil.yaml)")
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil ingest decode --model iris --request req.json --response resp.json',
    )
  command
    .command('decode')
    .description(
      "Decode one request and its response by the model's mapping and print the prediction events (NDJSON) vigil would publish",
    )
    .requiredOption('-m, --model <id>', 'the model whose ingest mapping reads the bodies')
    .requiredOption('--request <file>', 'the request body (JSON) as the serving stack received it')
    .requiredOption('--response <file>', 'the response body (JSON) it answered')
    .option(
      '--id <id>',
      "the pair's id (CloudEvents ce-id, a request id); default: the body's id, else a new UUID",
    )
    .option('--time <rfc3339>', "the request's time; default: now")
    .option('--model-version <version>', "default: the response's model_version, else unknown")
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil ingest decode --model iris --request req.json --response resp.json\n' +
        '  $ vigil ingest decode -m iris --request req.json --response resp.json --id ce-42 \\\n' +
        '      | curl -X POST --data-binary @- -H "Content-Type: application/x-ndjson" $VIGIL/v1/predictions\n\n' +
        'Formats (ingest.format): oip-v2, kserve-v1, mlflow, seldon. Mapping: docs/integrations.md.',
    )
    .action(
      (opts: {
        model: string
        request: string
        response: string
        id?: string
        time?: string
        modelVersion?: string
      }) =>
        run(async () => {
          const mapping = modelConfig(config(), opts.model).ingest
          if (!mapping)
            throw new UserError(
              `model ${opts.model} has no ingest mapping in vigil.yaml (models.${opts.model}.ingest)`,
            )
          const time = opts.time ?? new Date().toISOString()
          if (Number.isNaN(Date.parse(time))) throw new UserError(`--time ${time}: expected an RFC 3339 time`)
          const request = decodeRequest(await readJson(opts.request), mapping)
          if (!request.ok) throw new InputFileError(opts.request, undefined, request.reason)
          const response = decodeResponse(await readJson(opts.response), mapping)
          if (!response.ok) throw new InputFileError(opts.response, undefined, response.reason)
          const mapped = toPredictions(request.value, response.value, mapping, {
            modelId: opts.model,
            id: opts.id ?? request.value.id ?? response.value.id ?? randomUUID(),
            timestamp: time,
            ...(opts.modelVersion ? { modelVersion: opts.modelVersion } : {}),
          })
          if (!mapped.ok) throw new UserError(`${opts.request} + ${opts.response}: ${mapped.reason}`)
          process.stdout.write(mapped.events.map((e) => `${JSON.stringify(e)}\n`).join(''))
        }),
    )
}
