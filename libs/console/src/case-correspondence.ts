/** One e-mail out or reply in, as the case page's timeline shows it. */
export interface CaseCorrespondence {
  out: { at: Date; template: string; status: string; recipients: string[]; subject: string }[];
  in: { at: Date; from: string | null; text: string; intent: string; verified: boolean }[];
}

/**
 * Port: a case's e-mails out and replies in. The console never reads mail's tables; the app wires
 * mail's MailHistoryReader here (ConsoleModule.forRoot). Without it the timeline shows the case's
 * own entries only.
 */
export interface CaseCorrespondenceReader {
  forCase(caseId: string): Promise<CaseCorrespondence>;
}

export const CASE_CORRESPONDENCE = Symbol('CASE_CORRESPONDENCE');

export class NoCorrespondence implements CaseCorrespondenceReader {
  forCase(): Promise<CaseCorrespondence> {
    return Promise.resolve({ out: [], in: [] });
  }
}
