import { randomUUID } from 'node:crypto';
import type { MailModel } from '@sg/mail';
import { SAMPLES } from '../../../libs/mail/src/templates/samples';

let next = 4000 + Math.floor(Math.random() * 1000);

/** A fresh case id and number, with the sample red e-mail model re-numbered for it. */
export function makeMailCase(overrides: { vmName?: string } = {}): {
  caseId: string;
  caseNumber: number;
  model: MailModel<'red-source'>;
} {
  const caseNumber = next++;
  const sample = SAMPLES['red-source'];
  return {
    caseId: randomUUID(),
    caseNumber,
    model: {
      ...sample,
      case: {
        ...sample.case,
        number: caseNumber,
        vm: { ...sample.case.vm, name: overrides.vmName ?? sample.case.vm.name },
      },
    },
  };
}
