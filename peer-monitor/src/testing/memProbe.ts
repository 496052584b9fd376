/**
 * Benchmark-only preload (`node --expose-gc -r dist/testing/memProbe.js dist/main.js ...`, spawned with an IPC
 * channel): on the message "mem" it runs a full GC (when --expose-gc is given) and answers with
 * process.memoryUsage() plus VmRSS/VmHWM from /proc. The service itself never loads this file.
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
