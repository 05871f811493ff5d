import { UnrecoverableError } from 'bullmq';
import {
  JOB_CATALOGUE,
  QueueName,
  type AnyJobRequest,
  type JobData,
  type JobName,
  type ParsedJob,
} from './job-catalogue';
import { makeFinding } from '../../../test/cases/support/findings';
import { parseJob } from './parse-job';

const CASE = '4b0e7c3e-2f65-4c39-9d43-4f7e1f2a9a10';
const ACTION = '9d7a3c9e-5b1f-4f7a-8a0e-2c6f0e4b8d21';

/** As detection sends it, with a field cases do not know (`updates`). */
const finding = { ...makeFinding({ ports: [22] }), updates: 3 };

/**
 * A valid payload for every (queue, job) of the catalogue, a broken copy and the field the refusal
 * must name. Typed over the catalogue: a job added to it without an example here does not compile.
 */
const EXAMPLES: { [Q in QueueName]: { [N in JobName<Q>]: { valid: JobData<Q, N>; bad: unknown; field: string } } } = {
  findings: {
    'finding.upsert': {
      valid: { finding },
      bad: { finding: { ...finding, role: 'bystander' } },
      field: 'finding.role',
    },
  },
  mail: {
    'mail.send': { valid: { outboxId: CASE }, bad: { outboxId: 'row-7' }, field: 'outboxId' },
  },
  escalation: {
    'escalation.deadline': {
      valid: { caseId: CASE, deadlineAt: '2026-01-02T00:00:00.000Z', round: 0 },
      bad: { caseId: CASE, deadlineAt: '2026-01-02T00:00:00.000Z', round: -1 },
      field: 'round',
    },
    'escalation.reminder': {
      valid: { caseId: CASE, remindAt: '2026-01-01T12:00:00+02:00' },
      bad: { caseId: CASE, remindAt: 'tomorrow' },
      field: 'remindAt',
    },
    'escalation.recheck': {
      valid: { caseId: CASE, reason: 'fixed' },
      bad: { caseId: 42, reason: 'fixed' },
      field: 'caseId',
    },
  },
  'deployment-control': {
    'deployment.shutdown': { valid: { caseId: CASE, actionId: ACTION }, bad: { caseId: CASE }, field: 'actionId' },
    'deployment.restart': {
      valid: { caseId: CASE, actionId: ACTION },
      bad: { caseId: CASE, actionId: ACTION.toUpperCase() + 'x' },
      field: 'actionId',
    },
  },
  dbwatch: {
    'dbwatch.alert-mail': {
      valid: { serverId: 'pg-1', alertType: 'brute-force' },
      bad: { serverId: 'pg 1', alertType: 'brute-force' },
      field: 'serverId',
    },
  },
};

const cases = Object.entries(EXAMPLES).flatMap(([queue, jobs]) =>
  Object.entries(jobs as Record<string, { valid: unknown; bad: unknown; field: string }>).map(
    ([name, ex]) => [queue as QueueName, name, ex] as const,
  ),
);

function refusal(queue: QueueName, job: { name: string; data: unknown }): Error {
  try {
    parseJob(queue, job);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${job.name} was accepted`);
}

describe('job catalogue', () => {
  it('has a schema for every queue and an example for every job', () => {
    expect(Object.keys(JOB_CATALOGUE).sort()).toEqual(Object.values(QueueName).sort());
    for (const q of Object.values(QueueName))
      expect(Object.keys(EXAMPLES[q]).sort()).toEqual(Object.keys(JOB_CATALOGUE[q]).sort());
    expect(cases).toHaveLength(8);
  });

  it.each(cases)('%s %s: accepts a valid payload', (queue, name, ex) => {
    expect(parseJob(queue, { name, data: ex.valid })).toEqual({ name, data: ex.valid });
  });

  it.each(cases)('%s %s: refuses a bad payload for good, naming the field', (queue, name, ex) => {
    const err = refusal(queue, { name, data: ex.bad });
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toMatch(new RegExp(`^bad ${name.replace('.', '\\.')} job: ${ex.field.replace('.', '\\.')}: `));
  });

  it.each(cases)('%s %s: refuses a job without data', (queue, name) => {
    expect(refusal(queue, { name, data: null }).message).toMatch(
      new RegExp(`^bad ${name.replace('.', '\\.')} job: \\(data\\): `),
    );
  });

  it('keeps fields it does not know in a finding (stored as received)', () => {
    const { data } = parseJob(QueueName.FINDINGS, { name: 'finding.upsert', data: { finding } });
    expect(data.finding).toMatchObject({ updates: 3, ports: [22] });
  });

  it('accepts kinds added later, but not ill-formed ones', () => {
    const later = { name: 'finding.upsert', data: { finding: { ...finding, kind: 'crypto-jacking' } } };
    expect(parseJob(QueueName.FINDINGS, later).data.finding.kind).toBe('crypto-jacking');
    const bad = { name: 'finding.upsert', data: { finding: { ...finding, kind: 'Port Scan' } } };
    expect(refusal(QueueName.FINDINGS, bad).message).toMatch(/finding\.kind: must be a kind/);
  });

  it.each(['mail.send', 'constructor', '__proto__', 'toString'])(
    'refuses the job name "%s" on a queue that does not carry it',
    (name) => {
      const err = refusal(QueueName.ESCALATION, { name, data: {} });
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect(err.message).toBe(`unknown job ${name} on the escalation queue`);
    },
  );

  it('narrows the data by job name', () => {
    const job: ParsedJob<'escalation'> = parseJob(QueueName.ESCALATION, {
      name: 'escalation.deadline',
      data: EXAMPLES.escalation['escalation.deadline'].valid,
    });
    // Compile-time: only the deadline job has `round`.
    expect(job.name === 'escalation.deadline' ? job.data.round : null).toBe(0);
  });

  it('checks producers at compile time', () => {
    const req = (r: AnyJobRequest): AnyJobRequest => r;
    const ok = req({ queue: 'escalation', name: 'escalation.recheck', data: { caseId: CASE, reason: 'fixed' } });
    // @ts-expect-error -- a deadline job needs its round
    req({ queue: 'escalation', name: 'escalation.deadline', data: { caseId: CASE, deadlineAt: 'x' } });
    // @ts-expect-error -- the mail queue carries no escalation jobs
    req({ queue: 'mail', name: 'escalation.recheck', data: { caseId: CASE, reason: 'fixed' } });
    // @ts-expect-error -- a finding's role is one of the vocabulary's
    req({ queue: 'findings', name: 'finding.upsert', data: { finding: { ...finding, role: 'bystander' } } });
    expect(ok.name).toBe('escalation.recheck');
  });
});
