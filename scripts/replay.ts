/**
 * npm run replay -- <file> [--format aws-vpc|azure] [--quiet]
 *
 * Feeds a stored flow-log file (AWS VPC text, Azure NSG/VNet JSON; .gz allowed) through the same
 * pipeline as live traffic — attribution against the inventory in PostgreSQL, then detection and
 * the findings queue — for backfills and investigations. Shows a progress bar on a terminal.
 */
import 'reflect-metadata';
import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { NestFactory } from '@nestjs/core';
import { Module, type DynamicModule } from '@nestjs/common';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig, type AppConfig } from '@sg/common';
import { CoreModule } from '@sg/core';
import { DetectionModule } from '@sg/detection';
import { AwsVpcParser, AzureFlowLogParser, FlowBatch, FlowSource, FlowPipelineService, FlowsModule } from '@sg/flows';

type Format = 'aws-vpc' | 'azure';

@Module({})
class ReplayModule {
  static with(cfg: AppConfig): DynamicModule {
    return { module: ReplayModule, imports: [CoreModule.forRoot(cfg), FlowsModule, DetectionModule] };
  }
}

function guessFormat(file: string): Format {
  return /\.json(\.gz)?$/i.test(file) ? 'azure' : 'aws-vpc';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fmtAt = args.indexOf('--format');
  const format = (fmtAt >= 0 ? args[fmtAt + 1] : undefined) as Format | undefined;
  const quiet = args.includes('--quiet') || !process.stderr.isTTY;
  const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--format');
  if (!file) throw new Error('usage: npm run replay -- <file> [--format aws-vpc|azure] [--quiet]');
  if (format && format !== 'aws-vpc' && format !== 'azure') throw new Error(`unknown --format ${format}`);
  const fmt = format ?? guessFormat(file);

  const cfg = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const app = await NestFactory.createApplicationContext(ReplayModule.with(cfg), { logger: ['error', 'warn'] });
  try {
    const flows = app.get(FlowPipelineService);
    const batch = new FlowBatch(8192, flows.pipeline.accept);
    batch.source = fmt === 'azure' ? FlowSource.AZURE_NSG : FlowSource.AWS_VPC;
    batch.exporter = `replay:${file}`;
    const parser =
      fmt === 'azure'
        ? new AzureFlowLogParser(batch, { stats: flows.statsFor('azure') })
        : new AwsVpcParser(batch, { stats: flows.statsFor(FlowSource.AWS_VPC) });

    const total = statSync(file).size;
    const bar = quiet
      ? null
      : new SingleBar(
          { format: ' {bar} {percentage}% | {value}/{total} bytes | {eta_formatted} left' },
          Presets.shades_classic,
        );
    bar?.start(total, 0);
    let read = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, done) {
        read += chunk.length;
        bar?.update(read);
        done(null, chunk);
      },
    });
    let stream = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(counter);
    if (file.endsWith('.gz')) stream = stream.pipe(createGunzip()) as unknown as Transform;
    const started = Date.now();
    for await (const chunk of stream) parser.write(chunk as Buffer);
    const result = parser.end();
    bar?.stop();
    const secs = (Date.now() - started) / 1000;
    const c = flows.pipeline.counts;
    console.log(
      JSON.stringify({
        file,
        format: fmt,
        seconds: secs,
        ...result,
        errors: result.errors.slice(0, 20),
        attributed: { inbound: c.inbound, outbound: c.outbound, internal: c.internal, unattributed: c.unattributed },
      }),
    );
    if (result.rejected > 0) process.exitCode = 3;
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
