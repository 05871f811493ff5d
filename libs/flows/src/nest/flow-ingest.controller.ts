import { Controller, HttpCode, Logger, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import { TokenRole, Roles, type AuthedRequest } from '@sg/auth';
import { AwsVpcParser } from '../aws-vpc/aws-vpc.parser';
import { AzureFlowLogParser } from '../azure/azure-flow-log.parser';
import { FlowBatch, FlowSource } from '../flow-batch';
import type { IngestResult } from '../ingest-result';
import type { UploadStream } from '../attribution/upload-streams';
import { FlowPipelineService } from './flow-pipeline.service';
import { requireContentType, uploadStream } from './upload-stream';

/** Decompressed upload size limit: far above one flow-log object, far below what would hurt. */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
const BATCH = 4096;

/**
 * Cloud flow logs over HTTP. Bodies are parsed as they stream in, so a 500 MB upload never sits
 * whole in memory; records reach attribution and detection batch by batch. The answer is 202 with
 * {accepted, rejected, errors}: bad lines are counted and named, good lines are kept.
 */
@ApiTags('ingestion')
@ApiBearerAuth()
@Roles(TokenRole.INGEST)
@Controller('api/v1/flows')
export class FlowIngestController {
  private readonly logger = new Logger('flows');
  constructor(private readonly flows: FlowPipelineService) {}

  @Post('aws-vpc')
  @HttpCode(202)
  @ApiConsumes('text/plain')
  @ApiOperation({ summary: 'AWS VPC Flow Log lines (default v2 format or the order of a header line); gzip allowed' })
  async awsVpc(@Req() req: AuthedRequest) {
    requireContentType(req, ['text/plain', 'application/octet-stream']);
    const stream = this.flows.pipeline.uploads.open();
    const batch = this.batch(FlowSource.AWS_VPC, req, stream);
    const parser = new AwsVpcParser(batch, { stats: this.flows.statsFor(FlowSource.AWS_VPC) });
    return this.run(uploadStream(req, MAX_UPLOAD_BYTES), parser, batch, stream, (e) => ({ line: 0, reason: e }));
  }

  @Post('azure')
  @HttpCode(202)
  @ApiConsumes('application/json')
  @ApiOperation({
    summary: 'Azure NSG flow log (v2) or VNet flow log (v4) document as written to storage; gzip allowed',
  })
  async azure(@Req() req: AuthedRequest) {
    requireContentType(req, ['application/json', 'application/octet-stream']);
    const stream = this.flows.pipeline.uploads.open();
    const batch = this.batch(FlowSource.AZURE_NSG, req, stream);
    const parser = new AzureFlowLogParser(batch, { stats: this.flows.statsFor('azure') });
    return this.run(uploadStream(req, MAX_UPLOAD_BYTES), parser, batch, stream, (e) => ({
      index: 'body',
      reason: e,
    }));
  }

  private batch(source: FlowSource, req: AuthedRequest, stream: UploadStream): FlowBatch {
    const pipeline = this.flows.pipeline;
    const batch = new FlowBatch(BATCH, (b) => {
      pipeline.uploads.note(stream, b);
      b.watermarkMs = pipeline.uploads.watermark();
      pipeline.accept(b);
    });
    batch.source = source;
    batch.exporter = req.principal?.name ?? 'http';
    return batch;
  }

  /**
   * Streams the body through the parser. A body that breaks half-way (truncated gzip, size limit,
   * client gone) keeps what was already accepted and reports the break as one more error.
   */
  private async run<R extends IngestResult>(
    body: Readable,
    parser: { write(chunk: Uint8Array): void; end(): R },
    batch: FlowBatch,
    stream: UploadStream,
    bodyError: (reason: string) => IngestResult['errors'][number],
  ): Promise<R> {
    const pipeline = this.flows.pipeline;
    try {
      for await (const chunk of body) {
        pipeline.uploads.touch(stream);
        parser.write(chunk as Buffer);
        // Beside other uploads, what this chunk held goes on now, so the event time the uploads
        // are kept together by is the time of what detection has (upload-streams.ts).
        if (pipeline.uploads.size > 1) batch.flush();
        // Detection behind: hold the upload (TCP pushes back on the client) rather than shed records.
        const room = pipeline.room();
        if (room) await pipeline.uploads.hold(stream, room);
        // Ahead of another upload in event time: hold it until that one caught up.
        const aligned = pipeline.uploads.aligned(stream);
        if (aligned) await pipeline.uploads.hold(stream, aligned);
      }
    } catch (err) {
      this.logger.warn(`upload broke off: ${(err as Error).stack ?? String(err)}`);
      const r = parser.end();
      r.rejected += 1;
      r.errors.push(bodyError(`body: ${(err as Error).message}`));
      return r;
    } finally {
      pipeline.uploads.close(stream);
    }
    return parser.end();
  }
}
