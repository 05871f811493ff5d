import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CaseMailModule } from '@sg/case-mail';
import { CasesWorkerModule } from '@sg/cases';
import { DbwatchWorkerModule } from '@sg/dbwatch';
import { EscalationWorkerModule } from '@sg/escalation';
import { MailWorkerModule } from '@sg/mail';

/** Worker role: BullMQ processors and @nestjs/schedule ticks that only enqueue; CaseMailModule joins mail to cases. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    CasesWorkerModule,
    EscalationWorkerModule,
    CaseMailModule,
    MailWorkerModule.forRoot(),
    DbwatchWorkerModule,
  ],
})
export class WorkerModule {}
