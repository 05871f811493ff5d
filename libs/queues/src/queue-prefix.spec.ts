import { queuePrefix } from './queue-prefix';

describe('queuePrefix', () => {
  const cluster = [{ host: '127.0.0.1', port: 7000 }];

  it('is QUEUE_PREFIX itself on one Redis (key names as before)', () => {
    expect(queuePrefix({ QUEUE_PREFIX: 'sg', REDIS_CLUSTER: [] }, 'findings')).toBe('sg');
  });

  it('carries a hash tag per queue on a cluster', () => {
    expect(queuePrefix({ QUEUE_PREFIX: 'sg', REDIS_CLUSTER: cluster }, 'findings')).toBe('{sg:findings}');
    expect(queuePrefix({ QUEUE_PREFIX: 'sg', REDIS_CLUSTER: cluster }, 'mail')).toBe('{sg:mail}');
  });

  it("keeps an operator's own hash tag for every queue", () => {
    expect(queuePrefix({ QUEUE_PREFIX: '{sg}', REDIS_CLUSTER: cluster }, 'findings')).toBe('{sg}');
    expect(queuePrefix({ QUEUE_PREFIX: 'a:{b}', REDIS_CLUSTER: cluster }, 'mail')).toBe('a:{b}');
  });
});
