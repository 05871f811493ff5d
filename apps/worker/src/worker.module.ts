import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CasesWorkerModule } from '@sg/cases';
import { EscalationWorkerModule } from '@sg/escalation';
import { MailWorkerModule } from '@sg/mail';

/** Worker role: BullMQ processors and @nestjs/schedule ticks that only enqueue. */
@Module({ imports: [ScheduleModule.forRoot(), CasesWorkerModule, EscalationWorkerModule, MailWorkerModule.forRoot()] })
export class WorkerModule {}
