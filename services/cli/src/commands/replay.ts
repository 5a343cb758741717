import { existsSync } from 'node:fs'
import { createKafka, createProducer, ensureTopics, replayFile } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
import { type Cli, fail } from '../cli.js'

export function registerReplay({ program, config, run }: Cli): void {
  program
    .command('replay')
    .description('Publish the events of an NDJSON file to a Kafka topic, one message per line')
    .argument('<file>', 'NDJSON file, one event per line')
    .requiredOption(
      '-t, --topic <topic>',
      'topic name, or "predictions" / "labels" for the configured topics',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil replay test/fixtures/sample-predictions.ndjson --topic predictions\n  $ vigil replay labels.ndjson --topic vigil.labels',
    )
    .action((file: string, opts: { topic: string }) =>
      run(
        async () => {
          if (!existsSync(file)) fail(`cannot read ${file}: no such file`)
          const cfg = config()
          const topics = cfg.kafka.topics as Record<string, string>
          const topic = topics[opts.topic] ?? opts.topic
          const log = createLogger({ name: 'vigil-replay', level: 'warn' })
          const kafka = createKafka({ ...cfg.kafka, log })
          await ensureTopics(kafka, [topic], cfg.kafka)
          const producer = createProducer(kafka)
          await producer.start()
          try {
            const { sent } = await replayFile(file, topic, producer)
            process.stdout.write(`published ${sent} events from ${file} to ${topic}\n`)
          } finally {
            await producer.stop()
          }
        },
        () => config().kafka.brokers,
      ),
    )
}
