import { barChart, evidenceChart, seriesChart } from './charts';

describe('server-side charts', () => {
  it('draws one bar per value, scaled to the largest, with escaped labels', () => {
    const svg = barChart({
      title: 'T <x>',
      desc: 'd',
      labels: ['a', 'b'],
      series: [{ name: 'in', color: '#000', values: [5, 10] }],
    });
    expect(svg).toContain('<title id=');
    expect(svg).toContain('T &lt;x&gt;');
    const heights = [
      ...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="#000"><title>/g),
    ].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeCloseTo(heights[0] * 2, 1);
  });

  it('puts each sample flow in its time bucket', () => {
    const svg = evidenceChart('2026-01-01T00:00:00Z', '2026-01-01T00:24:00Z', [
      { start: '2026-01-01T00:00:30Z', bytes: 100, packets: 1 },
      { start: '2026-01-01T00:23:30Z', bytes: 300, packets: 1 },
    ]);
    expect(svg).toContain('bytes (sample flows) 00:00:00: 100');
    expect(svg).toContain('bytes (sample flows) 00:23:00: 300');
    expect(svg).toContain('bytes (sample flows) 00:10:00: 0');
  });

  it("draws a case's traffic series step by step, empty steps as zero", () => {
    const t0 = Date.parse('2026-01-01T10:00:00Z');
    const svg = seriesChart({
      stepMs: 60_000,
      points: [
        [t0, 40, 80, 4000],
        [t0 + 3 * 60_000, 10.4, 20, 1000],
      ],
    });
    expect(svg).toContain('flows per 1 min 10:00: 40');
    expect(svg).toContain('flows per 1 min 10:01: 0');
    expect(svg).toContain('flows per 1 min 10:03: 10');
    expect([...svg.matchAll(/<rect [^>]*><title>flows per/g)]).toHaveLength(4);
  });
});
