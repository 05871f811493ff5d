import { AlertRecorder } from './alert-recorder.service';
import type { WatchedServer } from './server-directory';

const server = (policy: Partial<WatchedServer['policy']>): WatchedServer => ({
  id: 'pg-1',
  subscriptionId: 'sub-1',
  name: 'pg',
  host: null,
  policy: {
    enabled: true,
    recipients: [],
    notifySubscriptionContacts: true,
    disabledAlertTypes: [],
    minSeverity: 'low',
    ...policy,
  },
});

describe('AlertRecorder.allowed (the server policy)', () => {
  it('lets everything through by default', () => {
    expect(AlertRecorder.allowed(server({}), { type: 'unfamiliar-principal', severity: 'low' })).toBe(true);
  });

  it('stops everything when the policy is off', () => {
    expect(AlertRecorder.allowed(server({ enabled: false }), { type: 'brute-force-success', severity: 'high' })).toBe(
      false,
    );
  });

  it('stops a switched-off type only, the other brute-force kinds still pass', () => {
    const s = server({ disabledAlertTypes: ['brute-force'] });
    expect(AlertRecorder.allowed(s, { type: 'brute-force', severity: 'medium' })).toBe(false);
    expect(AlertRecorder.allowed(s, { type: 'brute-force-valid-user', severity: 'medium' })).toBe(true);
    expect(AlertRecorder.allowed(s, { type: 'brute-force-success', severity: 'high' })).toBe(true);
  });

  it('stops alerts below the minimum severity', () => {
    const s = server({ minSeverity: 'medium' });
    expect(AlertRecorder.allowed(s, { type: 'unusual-network', severity: 'low' })).toBe(false);
    expect(AlertRecorder.allowed(s, { type: 'unusual-location', severity: 'medium' })).toBe(true);
    expect(AlertRecorder.allowed(s, { type: 'harmful-application', severity: 'high' })).toBe(true);
  });
});
