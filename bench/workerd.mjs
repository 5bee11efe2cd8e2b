// The workerd processes this Node process started (Miniflare's children), read from /proc: the
// figure of record for the benches is their CPU time, which counts the Worker, its Durable
// Objects and Miniflare's local services alike.
import { readdirSync, readFileSync } from "node:fs";

/** The fields of /proc/<pid>/stat after the command name (field 3 onwards). */
const statFields = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return {
    name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
    fields: stat.slice(stat.lastIndexOf(")") + 2).split(" "),
  };
};

/** The pids of workerd processes whose parent is this process. */
export function workerdPids() {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const { name, fields } = statFields(pid);
        return name === "workerd" && Number(fields[1]) === process.pid;
      } catch {
        return false; // the process ended
      }
    });
}

/** CPU time so far (user + system, ms) of `pids` (default: this process's workerd). */
export function workerdCpuMs(pids = workerdPids()) {
  let total = 0;
  for (const pid of pids) {
    try {
      const { fields } = statFields(pid);
      total += (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100
    } catch {
      // the process ended
    }
  }
  return total;
}

/** Resident memory of this process's workerd, MB. */
export function workerdRssMb() {
  return workerdPids().reduce((mb, pid) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return mb + (m ? Number(m[1]) / 1024 : 0);
  }, 0);
}
