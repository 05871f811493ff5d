import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

/** Worker role: BullMQ processors and @nestjs/schedule ticks that only enqueue. */
@Module({ imports: [ScheduleModule.forRoot()] })
export class WorkerModule {}
