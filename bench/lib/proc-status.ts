import { readdirSync, readFileSync } from 'node:fs';

/*
 * What a local process holds, from /proc: its resident memory, its open descriptors and the
 * most it may open. Null where /proc cannot be read (another OS, a process gone).
 */

/** VmRSS in bytes. */
export function residentBytes(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

export function openDescriptors(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** The soft "Max open files" limit the process runs with. */
export function descriptorLimit(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
    return soft === undefined ? null : soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return null;
  }
}
