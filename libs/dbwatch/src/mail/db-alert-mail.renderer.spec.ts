import type { DbAlert } from '../analysis/db-alert';
import type { WatchedServer } from '../analysis/server-directory';
import { DbAlertMailRenderer } from './db-alert-mail.renderer';

const SERVER: WatchedServer = {
  id: 'pg-1',
  subscriptionId: 'sub-1',
  name: 'orders <db>',
  host: 'orders.db.example',
  policy: {
    enabled: true,
    recipients: [],
    notifySubscriptionContacts: true,
    disabledAlertTypes: [],
    minSeverity: 'low',
  },
};

function makeAlert(o: Partial<DbAlert> = {}): DbAlert {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    serverId: 'pg-1',
    subscriptionId: 'sub-1',
    type: 'brute-force-success',
    title: 'Suspected successful brute force attack',
    severity: 'high',
    state: 'open',
    sourceIp: '203.0.113.9',
    user: 'app',
    database: 'orders',
    application: 'psql',
    firstSeen: '2026-12-01T10:00:00.000Z',
    lastSeen: '2026-12-01T10:00:07.000Z',
    count: 1,
    evidence: {
      rule: 'a successful login after a brute force',
      values: { failuresBefore: 6 },
      source: { country: 'NL', asn: 3333, asName: 'RIPE NCC', provider: '', region: '', label: '' },
    },
    suppressedBy: null,
    mailedAt: null,
    createdAt: '2026-12-01T10:00:08.000Z',
    updatedAt: '2026-12-01T10:00:08.000Z',
    ...o,
  };
}

describe('DbAlertMailRenderer', () => {
  const r = new DbAlertMailRenderer();

  it('names the activity, server, database, user, source with country/AS, causes, actions and the console link', () => {
    const m = r.render(SERVER, [makeAlert()], 'https://sg.example/', 3_600_000);
    expect(m.subject).toBe('[Safeguards] HIGH: Suspected successful brute force attack on orders <db>');
    for (const part of [m.text, m.html]) {
      expect(part).toContain('203.0.113.9 (country NL, AS3333 RIPE NCC)');
      expect(part).toContain('orders.db.example');
      expect(part).toContain('failuresBefore: 6');
      expect(part).toContain('2026-12-01T10:00:00.000Z to 2026-12-01T10:00:07.000Z');
      expect(part).not.toContain('detections');
      expect(part).toContain('https://sg.example/console/db-alerts/00000000-0000-4000-8000-000000000001');
      expect(part).toContain('Rotate the password of the role now');
      expect(part).toContain('1 hour(s)');
      expect(part).toContain('CC BY 4.0');
    }
    expect(m.html).toContain('orders &lt;db&gt;');
    expect(m.text).toContain('orders <db>');
  });

  it('folds several alerts into one mail and flattens hostile names', () => {
    const alerts = Array.from({ length: 12 }, (_, i) =>
      makeAlert({
        id: `00000000-0000-4000-8000-0000000000${10 + i}`,
        user: i === 0 ? 'x\r\nBcc: evil@example' : `u${i}`,
      }),
    );
    const m = r.render(SERVER, alerts, 'https://sg.example', 60_000);
    expect(m.subject).toContain('(12 alerts)');
    expect(m.text).toContain('x Bcc: evil@example');
    expect(m.text).not.toMatch(/\nBcc:/);
    expect(m.text).toContain('... and 2 more alert(s)');
    expect(m.text.match(/Also since the last e-mail/g)).toHaveLength(9);
  });
});
