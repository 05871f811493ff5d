import { Client } from 'pg';
import { api, startTestApp, type TestApp } from '../support/test-app';

const inventory = () => ({
  subscriptions: [
    { id: 'sub-a', name: 'Alpha Ltd', contacts: ['ops@alpha.example'] },
    { id: 'sub-b', name: 'Beta GmbH', contacts: ['sec@beta.example', 'cto@beta.example'] },
  ],
  deployments: [
    { id: 'dep-a', subscriptionId: 'sub-a', name: 'web' },
    { id: 'dep-b', subscriptionId: 'sub-b', name: 'batch' },
  ],
  vms: [
    {
      id: 'vm-1',
      deploymentId: 'dep-a',
      name: 'web-1',
      // 10.0.0.5 moved from vm-1 to vm-2 at noon.
      addresses: [{ ip: '10.0.0.5', to: '2024-05-01T12:00:00Z' }, { ip: '2001:db8::5' }],
    },
    {
      id: 'vm-2',
      deploymentId: 'dep-b',
      name: 'batch-1',
      addresses: [{ ip: '10.0.0.5', from: '2024-05-01T12:00:00Z' }, { ip: '198.51.100.7' }],
    },
  ],
});

async function snapshot(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const parts: string[] = [];
    for (const table of ['subscriptions', 'deployments', 'vms', 'vm_addresses', 'inventory_state']) {
      parts.push(JSON.stringify((await c.query(`SELECT * FROM ${table} ORDER BY 1`)).rows));
    }
    return parts.join('\n');
  } finally {
    await c.end();
  }
}

describe('inventory (real PostgreSQL and Redis)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports idempotently: the second import changes nothing', async () => {
    const first = await api(t.url, 'POST', '/api/v1/inventory/import', inventory());
    expect(first.status).toBe(200);
    expect(first.body.subscriptions).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(first.body.vms).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(first.body.addresses).toEqual({ created: 4, updated: 0, unchanged: 0 });
    const before = await snapshot(t.databaseUrl);

    const second = await api(t.url, 'POST', '/api/v1/inventory/import', inventory());
    expect(second.status).toBe(200);
    expect(second.body.addresses).toEqual({ created: 0, updated: 0, unchanged: 4 });
    expect(second.body.subscriptions).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(second.body.version).toBe(first.body.version);
    expect(await snapshot(t.databaseUrl)).toBe(before);
  });

  it('answers which VM held an address at a time, across a move between VMs', async () => {
    const before = await api(t.url, 'GET', '/api/v1/addresses/10.0.0.5/owner?at=2024-05-01T11:59:59Z');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ vmId: 'vm-1', deploymentId: 'dep-a', subscriptionId: 'sub-a' });
    const after = await api(t.url, 'GET', '/api/v1/addresses/10.0.0.5/owner?at=2024-05-01T12:00:00Z');
    expect(after.body).toMatchObject({ vmId: 'vm-2', deploymentId: 'dep-b', subscriptionId: 'sub-b' });
    const v6 = await api(t.url, 'GET', '/api/v1/addresses/2001:db8:0:0::5/owner');
    expect(v6.body).toMatchObject({ vmId: 'vm-1' });
    const none = await api(t.url, 'GET', '/api/v1/addresses/192.0.2.1/owner');
    expect(none.status).toBe(404);
  });

  it('updates the index of another process through Redis when the inventory changes', async () => {
    const other = await startTestApp({ roles: ['collector'], databaseUrl: t.databaseUrl });
    try {
      const res = await api(t.url, 'POST', '/api/v1/vms/vm-2/addresses', { ip: '203.0.113.50' });
      expect(res.status).toBe(201);
      const { InventoryIndexService } = await import('@sg/inventory');
      const idx = other.app.get(InventoryIndexService);
      const deadline = Date.now() + 5000;
      while (!idx.lookup('203.0.113.50', Date.now()) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(idx.lookup('203.0.113.50', Date.now())).toMatchObject({ vmId: 'vm-2' });
      // Ending the validity takes the address away in the other process too.
      const del = await api(t.url, 'PATCH', `/api/v1/vms/vm-2/addresses/${res.body.id}`, {
        to: new Date(Date.now() - 1000).toISOString(),
      });
      expect(del.status).toBe(200);
      while (idx.lookup('203.0.113.50', Date.now()) && Date.now() < deadline + 5000)
        await new Promise((r) => setTimeout(r, 50));
      expect(idx.lookup('203.0.113.50', Date.now())).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('refuses an address held by another VM over an overlapping interval and changes nothing', async () => {
    const before = await snapshot(t.databaseUrl);
    const body = inventory();
    body.vms[1].addresses[0] = { ip: '10.0.0.5', from: '2024-05-01T11:00:00Z' };
    const res = await api(t.url, 'POST', '/api/v1/inventory/import', body);
    expect(res.status).toBe(409);
    expect(res.body.error.fields[0].field).toBe('vms[1].addresses[0]');
    expect(res.body.error.fields[0].message).toContain('vm-1');

    const twice = await api(t.url, 'POST', '/api/v1/inventory/import', {
      vms: [
        { id: 'vm-9', deploymentId: 'dep-a', name: 'x', addresses: [{ ip: '192.0.2.9' }] },
        {
          id: 'vm-10',
          deploymentId: 'dep-a',
          name: 'y',
          addresses: [{ ip: '192.0.2.9', from: '2020-01-01T00:00:00Z' }],
        },
      ],
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.fields[0].field).toBe('vms[1].addresses[0]');

    const single = await api(t.url, 'POST', '/api/v1/vms/vm-2/addresses', { ip: '2001:db8::5' });
    expect(single.status).toBe(409);
    expect(await snapshot(t.databaseUrl)).toBe(before);
  });

  it.each([
    ['wrong type', { subscriptions: [{ id: 'sub-x', name: 42, contacts: [] }] }, 'subscriptions[0].name'],
    [
      'unknown field',
      { subscriptions: [{ id: 'sub-x', name: 'X', contacts: [], colour: 'red' }] },
      'subscriptions[0].colour',
    ],
    ['unknown top-level field', { subscription: [] }, 'subscription'],
    [
      'not an IP',
      { vms: [{ id: 'vm-x', deploymentId: 'dep-a', name: 'x', addresses: [{ ip: '10.0.0.256' }] }] },
      'vms[0].addresses[0].ip',
    ],
    [
      'bad e-mail',
      { subscriptions: [{ id: 'sub-x', name: 'X', contacts: ['not-an-email'] }] },
      'subscriptions[0].contacts[0]',
    ],
    ['bad id', { deployments: [{ id: 'has space', subscriptionId: 'sub-a', name: 'x' }] }, 'deployments[0].id'],
    [
      'interval backwards',
      {
        vms: [
          {
            id: 'vm-x',
            deploymentId: 'dep-a',
            name: 'x',
            addresses: [{ ip: '10.9.9.9', from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' }],
          },
        ],
      },
      'vms[0].addresses[0].to',
    ],
    [
      'unknown deployment',
      { vms: [{ id: 'vm-x', deploymentId: 'nope', name: 'x', addresses: [] }] },
      'vms[0].deploymentId',
    ],
    [
      'duplicate id',
      {
        subscriptions: [
          { id: 'sub-x', name: 'X' },
          { id: 'sub-x', name: 'Y' },
        ],
      },
      'subscriptions[1].id',
    ],
  ])('rejects bad import input (%s) with a 4xx naming the field, changing nothing', async (_name, body, field) => {
    const before = await snapshot(t.databaseUrl);
    const res = await api(t.url, 'POST', '/api/v1/inventory/import', body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await snapshot(t.databaseUrl)).toBe(before);
  });

  it('rejects bad input on the CRUD endpoints, naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/subscriptions', { id: 'sub-z', name: 'Z', contacts: 'ops@z.example' }, 'contacts'],
      ['POST', '/api/v1/deployments', { id: 'dep-z', subscriptionId: 'missing', name: 'z' }, 'subscriptionId'],
      [
        'POST',
        '/api/v1/vms',
        { id: 'vm-z', deploymentId: 'dep-a', name: 'z', addresses: [{ ip: 'fe80::zz' }] },
        'addresses[0].ip',
      ],
      ['PATCH', '/api/v1/vms/vm-1', { name: 'ok', owner: 'me' }, 'owner'],
      ['PATCH', '/api/v1/subscriptions/sub-a', { contacts: [1] }, 'contacts[0]'],
      ['GET', '/api/v1/vms?limit=0', undefined, 'query.limit'],
      ['POST', '/api/v1/tokens', { name: 'x', role: 'root' }, 'role'],
    ];
    const before = await snapshot(t.databaseUrl);
    for (const [method, path, body, field] of cases) {
      const res = await api(t.url, method, path, body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const badJson = await api(t.url, 'POST', '/api/v1/inventory/import', '{"subscriptions": [');
    expect(badJson.status).toBe(400);
    expect(await snapshot(t.databaseUrl)).toBe(before);
  });

  it('does CRUD with referential rules', async () => {
    expect(
      (await api(t.url, 'POST', '/api/v1/subscriptions', { id: 'sub-c', name: 'Gamma', contacts: ['a@c.example'] }))
        .status,
    ).toBe(201);
    expect((await api(t.url, 'POST', '/api/v1/subscriptions', { id: 'sub-c', name: 'Gamma' })).status).toBe(409);
    expect(
      (await api(t.url, 'POST', '/api/v1/deployments', { id: 'dep-c', subscriptionId: 'sub-c', name: 'api' })).status,
    ).toBe(201);
    const vm = await api(t.url, 'POST', '/api/v1/vms', {
      id: 'vm-c',
      deploymentId: 'dep-c',
      name: 'api-1',
      addresses: [{ ip: '192.0.2.77' }],
    });
    expect(vm.status).toBe(201);
    expect(vm.body.addresses).toHaveLength(1);
    expect((await api(t.url, 'GET', '/api/v1/addresses/192.0.2.77/owner')).body.vmId).toBe('vm-c');
    expect((await api(t.url, 'DELETE', '/api/v1/deployments/dep-c')).status).toBe(409);
    expect((await api(t.url, 'DELETE', '/api/v1/vms/vm-c')).status).toBe(204);
    expect((await api(t.url, 'GET', '/api/v1/addresses/192.0.2.77/owner')).status).toBe(404);
    expect((await api(t.url, 'GET', '/api/v1/vms/vm-c')).status).toBe(404);
    expect((await api(t.url, 'GET', '/api/v1/deployments?subscriptionId=sub-c')).body).toHaveLength(1);
  });
});
