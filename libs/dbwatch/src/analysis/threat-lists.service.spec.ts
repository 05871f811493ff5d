import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@sg/common';
import { DbwatchThreatLists } from './threat-lists.service';

const v4 = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

describe('DbwatchThreatLists', () => {
  it('takes a rewritten list on reload, and keeps the lists in force when a file cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbw-lists-'));
    const path = join(dir, 'c2.txt');
    writeFileSync(path, '198.51.100.7\n');
    const lists = new DbwatchThreatLists({ THREAT_LISTS: [{ category: 'c2', path }] } as unknown as AppConfig);
    const intel = lists.intel!;
    expect(intel.lookupV4(v4('198.51.100.7'))).not.toBe(0);
    expect(intel.lookupV4(v4('203.0.113.9'))).toBe(0);

    writeFileSync(path, '# today\n203.0.113.0/24\n');
    expect(lists.reload()).toBe(true);
    expect(intel.lookupV4(v4('203.0.113.9'))).not.toBe(0);
    expect(intel.lookupV4(v4('198.51.100.7'))).toBe(0);

    rmSync(path);
    expect(lists.reload()).toBe(false);
    expect(intel.lookupV4(v4('203.0.113.9'))).not.toBe(0);
    rmSync(dir, { recursive: true });
  });

  it('holds no lists when none are configured', () => {
    const lists = new DbwatchThreatLists({ THREAT_LISTS: [] } as unknown as AppConfig);
    expect(lists.intel).toBeNull();
    expect(lists.reload()).toBe(false);
  });
});
