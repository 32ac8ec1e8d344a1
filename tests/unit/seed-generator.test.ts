import { describe, expect, it } from 'bun:test';
import { generateDataset } from '../../db/seed.ts';

describe('generateDataset', () => {
  it('has the hackathon shape: 400 users, 2000 urls, 3422 events', () => {
    const data = generateDataset();
    expect([data.users.length, data.urls.length, data.events.length]).toEqual([400, 2000, 3422]);
    expect(new Set(data.urls.map((u) => u.short_code)).size).toBe(2000);
    expect(new Set(data.users.map((u) => u.username)).size).toBe(400);
    expect(data.events.filter((e) => e.event_type === 'created')).toHaveLength(2000);
    for (const url of data.urls) expect(Date.parse(url.updated_at)).toBeGreaterThanOrEqual(Date.parse(url.created_at));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateDataset(7)).toEqual(generateDataset(7));
    expect(generateDataset(7).urls[0]!.short_code).not.toBe(generateDataset(8).urls[0]!.short_code);
  });
});
