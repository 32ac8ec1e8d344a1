// The process metrics dashboards expect. prom-client's default collectors were checked one by one
// on Bun 1.4.5 (Linux) and only those that tell the truth are used:
//   kept: start time, resident and virtual memory (/proc), open and max file descriptors (/proc),
//   heap used/total and external memory (JavaScriptCore's figures via process.memoryUsage(); heap
//   "used" can exceed "total" there).
//   replaced: CPU seconds (prom-client counts only from when its collector was registered, which
//   misses start-up and migrations; here they are process.cpuUsage() since the process started) and
//   event-loop lag (see event-loop-lag.ts).
//   left out: active handles/requests/resources (always 0 on Bun), heap spaces (V8-only, all 0), GC
//   durations (never observed), nodejs_version_info (Bun's emulated Node version) and
//   process_heap_bytes (VmData: gigabytes of address space JavaScriptCore reserves, not heap).
import { Counter, type Registry } from 'prom-client';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';

const MISLEADING = ['process_heap_bytes'];

function cpuCounter(registry: Registry, name: string, help: string, micros: (usage: NodeJS.CpuUsage) => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(micros(process.cpuUsage()) / 1e6);
    },
  });
}

export function registerProcessMetrics(registry: Registry): void {
  cpuCounter(registry, 'process_cpu_user_seconds_total', 'User CPU time spent since the process started, in seconds.', (u) => u.user);
  cpuCounter(registry, 'process_cpu_system_seconds_total', 'System CPU time spent since the process started, in seconds.', (u) => u.system);
  cpuCounter(registry, 'process_cpu_seconds_total', 'User and system CPU time spent since the process started, in seconds.', (u) => u.user + u.system);
  for (const collector of [processStartTime, osMemoryHeap, processOpenFileDescriptors, processMaxFileDescriptors, heapSizeAndUsed]) {
    collector(registry, {});
  }
  for (const name of MISLEADING) registry.removeSingleMetric(name);
}
