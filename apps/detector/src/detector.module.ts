import { Module } from '@nestjs/common';
import { FlowBusDetectorModule } from '@sg/flowbus';

/**
 * Detector role (FLOW_BUS=nats): its share of the flow bus's partitions (DETECTOR_INDEX of
 * DETECTOR_COUNT) fed to detection threads, findings to the queue, exceptions kept in sync and
 * live re-checks answered for the VMs it owns. No UDP listener, no HTTP ingestion.
 */
@Module({ imports: [FlowBusDetectorModule] })
export class DetectorModule {}
