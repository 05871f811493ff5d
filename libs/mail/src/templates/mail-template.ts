import type { CaseSummary } from './case-mail-view';

/** Every model names its case: the subject tag, the reply address and the thread hang on it. */
export interface CaseMailModel {
  case: CaseSummary;
}

/**
 * A template: its files are `<name>.html.hbs` and `<name>.text.hbs` beside this file; the subject
 * is built here, in code, from the same model (a subject is one header line, not a document).
 */
export interface MailTemplate<M extends CaseMailModel> {
  name: string;
  subject(model: M): string;
}
