/**
 * Benchmark-only preload (`node --expose-gc -r dist/testing/memProbe.js dist/main.js ...`, spawned with an IPC
 * channel): on the message "mem" it runs a full GC (when --expose-gc is given) and answers with
 * process.memoryUsage() plus VmRSS/VmHWM from /proc; on "cpu" it answers with process.cpuUsage() (user + system,
 * µs) without forcing a GC. The service itself never loads this file.
 */
import { readFileSync } from 'node:fs'

function procStatusKb(field: string): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

if (typeof process.send === 'function') {
  process.on('message', (message: unknown) => {
    if (message === 'cpu') {
      // CPU time of the whole process so far (no GC forced), for CPU per cycle of the real service.
      const c = process.cpuUsage()
      process.send?.({ cpuUs: c.user + c.system })
      return
    }
    if (message !== 'mem') return
    const gc = (globalThis as { gc?: () => void }).gc
    const gcRan = typeof gc === 'function'
    if (gcRan) {
      gc()
      gc()
    }
    const u = process.memoryUsage()
    process.send?.({ gc: gcRan, rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers, vmHwmKb: procStatusKb('VmHWM') })
  })
  // The IPC channel must not keep the service alive after SIGTERM.
  process.channel?.unref()
}
