import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SuppressionRuleEntity } from './suppression-rule.entity';
import { SuppressionRulesService } from './suppression-rules.service';

/** Approved exceptions alone, for processes that only need to read them (detection in the collector). */
@Module({
  imports: [TypeOrmModule.forFeature([SuppressionRuleEntity])],
  providers: [SuppressionRulesService],
  exports: [SuppressionRulesService],
})
export class SuppressionRulesModule {}
