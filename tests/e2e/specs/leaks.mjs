// The secret-leak scan's tools (secrets.e2e.mjs): what a secret looks like in every encoding
// it could leave in, a search of files, buffers and a process's memory for those forms, and a
// memory dump read from /proc (a core dump's contents, without gdb).
import fs from 'node:fs';
import path from 'node:path';

/**
 * The forms a secret can take once it has left: its own bytes, hex (either case), and base64
 * (standard and URL-safe) at each of the three alignments it could sit at inside a longer
 * base64 text; a text secret also in UTF-16 (how JavaScript engines store strings).
 */
export function forms(name, bytes, { text = false } = {}) {
  const out = [{ name, encoding: 'raw', needle: Buffer.from(bytes) }];
  const hex = Buffer.from(bytes).toString('hex');
  out.push({ name, encoding: 'hex', needle: Buffer.from(hex) });
  out.push({ name, encoding: 'HEX', needle: Buffer.from(hex.toUpperCase()) });
  for (const alphabet of ['base64', 'base64url']) {
    for (let shift = 0; shift < 3; shift++) {
      // With `shift` unknown bytes before it, the characters that depend on the secret alone
      // start at the first whole 4-character group after them and end at the last whole one.
      const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(bytes)]);
      const encoded = padded.toString(alphabet);
      const from = shift === 0 ? 0 : 4;
      const to = Math.floor(padded.length / 3) * 4;
      const middle = encoded.slice(from, to);
      if (middle.length >= 16) out.push({ name, encoding: `${alphabet}+${shift}`, needle: Buffer.from(middle) });
    }
  }
  if (text) out.push({ name, encoding: 'utf-16', needle: Buffer.from(Buffer.from(bytes).toString('utf8'), 'utf16le') });
  return out;
}

/**
 * Every form of every secret found in `buffer`: `[{name, encoding, offset, count, offsets}]`
 * (the first offset, how many times it occurs, and the first 50 offsets).
 */
export function search(buffer, needles) {
  const found = [];
  for (const { name, encoding, needle } of needles) {
    const offsets = [];
    let count = 0;
    for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, at + needle.length)) {
      count += 1;
      if (offsets.length < 50) offsets.push(at);
    }
    if (count) found.push({ name, encoding, offset: offsets[0], count, offsets });
  }
  return found;
}

/** Every regular file under `dirs` (recursively; missing directories are skipped). */
export function filesUnder(dirs) {
  const files = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  for (const dir of dirs) walk(dir);
  return files;
}

/** Searches every file under `dirs`: `[{file, name, encoding, offset}]`, and how many files. */
export function searchFiles(dirs, needles) {
  const files = filesUnder(dirs);
  const found = [];
  for (const file of files) {
    for (const hit of search(fs.readFileSync(file), needles)) found.push({ file, ...hit });
  }
  return { files: files.length, found };
}

/**
 * Copies what process `pid` holds in its writable mappings (heap, stacks, anonymous memory,
 * libraries' data: where a secret could be held) into `file`, as a core dump would hold them.
 * Mappings with nothing resident (`Rss: 0 kB` in /proc/PID/smaps: reserved address space, such
 * as JavaScriptCore's tens of gigabytes) and all-zero chunks hold no secret and are skipped.
 * Needs the right to trace the process (root, or the same user with ptrace allowed). Returns
 * the bytes copied and where each mapping starts in the file (`regions`).
 */
export function dumpMemory(pid, file) {
  const mappings = [];
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      mappings.push({ start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3], name: header[4], rss: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && mappings.length) mappings.at(-1).rss = Number(rss[1]);
  }
  const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
  const out = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  const zeros = Buffer.alloc(chunk.length);
  let copied = 0;
  const regions = [];
  try {
    for (const { start, end, perms, name, rss } of mappings) {
      if (!perms.startsWith('rw') || rss === 0 || name === '[vvar]' || name === '[vsyscall]') continue;
      regions.push({ at: copied, mapping: name || '[anonymous]' });
      for (let at = start; at < end; at += BigInt(chunk.length)) {
        const length = Number(end - at < BigInt(chunk.length) ? end - at : BigInt(chunk.length));
        let read;
        try {
          read = fs.readSync(mem, chunk, 0, length, at);
        } catch {
          break; // an unreadable page (a guard page): the rest of this mapping is skipped
        }
        const data = chunk.subarray(0, read);
        // Zeros cannot hold a secret; keep the file to what could (a secret split across a
        // skipped zero chunk's edge would need zeros in it, which no secret here has).
        if (!data.equals(zeros.subarray(0, read))) {
          fs.writeSync(out, data);
          copied += read;
        }
        if (read < length) break;
      }
    }
  } finally {
    fs.closeSync(mem);
    fs.closeSync(out);
  }
  return { bytes: copied, regions };
}

/** The mapping (file name, `[heap]`, `[stack]` or `[anonymous]`) a dump's offset falls in. */
export function mappingAt(regions, offset) {
  let found = '?';
  for (const region of regions) {
    if (region.at > offset) break;
    found = region.mapping;
  }
  return found;
}

/** The ids of processes whose command line contains `pattern` (pgrep -f), newest last. */
export function pids(pattern) {
  const ids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // it ended while we looked
    }
    if (cmdline.includes(pattern)) ids.push(Number(entry));
  }
  return ids.sort((a, b) => a - b);
}

/** The ids of the processes descended from `pid` (WebKit's web and network processes). */
export function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The parent id is the second field after the command name, which is in parentheses and
    // may itself hold spaces or parentheses.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(Number(entry));
  }
  const out = [];
  const visit = (p) => {
    for (const child of children.get(p) ?? []) {
      out.push(child);
      visit(child);
    }
  };
  visit(pid);
  return out;
}

/** A process's command name (`/proc/PID/comm`). */
export function commandName(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
