import { describe, expect, it } from 'bun:test';
import { ConnectionGate, DatabaseBusyError } from '../../db/gate.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job the test finishes by hand, so the order is set by the test and never by timer slack. */
function latch() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { open, done };
}

describe('ConnectionGate', () => {
  it('runs at most `permits` at once and hands a freed permit to the longest waiter', async () => {
    const gate = new ConnectionGate(2, 1_000);
    const started: string[] = [];
    const latches = { a: latch(), b: latch(), c: latch(), d: latch() };
    const jobs = (Object.keys(latches) as (keyof typeof latches)[]).map((name) =>
      gate.run(async () => {
        started.push(name);
        await latches[name].done;
      }),
    );
    const settle = () => sleep(5);

    await settle();
    expect(started).toEqual(['a', 'b']);
    expect(gate.inUse).toBe(2);
    expect(gate.waiting).toBe(2);

    latches.a.open(); // c has waited longest, so it gets a's permit; d keeps waiting
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    expect(gate.inUse).toBe(2);
    expect(gate.waiting).toBe(1);

    latches.c.open();
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);

    latches.b.open();
    latches.d.open();
    await Promise.all(jobs);
    expect(gate.inUse).toBe(0);
    expect(gate.waiting).toBe(0);
  });

  it('fails a statement that waits longer than the queue timeout, and releases on errors', async () => {
    const gate = new ConnectionGate(1, 50);
    const hog = latch();
    const holding = gate.run(() => hog.done);
    await expect(gate.run(async () => 'never')).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(gate.waiting).toBe(0);
    hog.open();
    await holding;
    await expect(gate.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await gate.run(async () => 'free again')).toBe('free again');
    expect(gate.inUse).toBe(0);
  });
});
