import { newReplyToken, REPLY_TOKEN_PATTERN } from './reply-token';

describe('reply tokens', () => {
  it('are 26 lower-case base32 characters (128+ random bits) and do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = newReplyToken();
      expect(t).toMatch(REPLY_TOKEN_PATTERN);
      seen.add(t);
    }
    expect(seen.size).toBe(2000);
  });
});
