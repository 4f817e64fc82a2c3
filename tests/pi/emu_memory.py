"""piboard's memory on the emulated board (tests/pi/emulated_boot.py): the
guest's /init prints, for each `mem LABEL`, piboard's /proc/PID/status
figures (EMU-MEM), its mappings with 256 kB or more resident (EMU-MAP, with
their size, transparent huge pages and address range), each thread's stack
pointer (EMU-THREAD) and the writable anonymous mappings (EMU-ANON); these
read them back. Python 3 standard library only.
"""

import re

def memory(text):
    """The guest's `mem LABEL` lines: {label: ({field: kB}, {(name, range): kB})}."""
    mem = {}
    for line in text.splitlines():
        if line.startswith("EMU-MEM "):
            _, label, rest = line.split(" ", 2)
            fields = {k: int(v) for k, v in re.findall(r"(\w+):\s*(\d+) kB", rest)}
            mem[label] = (fields, {})
        elif line.startswith("EMU-MAP "):
            _, label, kb, _, name = line.split(" ", 4)
            name, huge = name.split(" size=")[0], int(re.search(r"huge=(\d+)", line).group(1))
            fields, maps = mem.setdefault(label, ({}, {}))
            maps[(name, line.rsplit("at=", 1)[-1])] = int(kb)
            fields["huge"] = fields.get("huge", 0) + huge
    return mem


def thread_stacks(text, label="boot"):
    """Each thread's name and the size in kB of the writable anonymous
    mapping holding its stack pointer, from the guest's `mem LABEL` lines."""
    ranges = []
    for line in text.splitlines():
        if line.startswith(f"EMU-ANON {label} "):
            lo, hi = line.split()[2].split("-")
            ranges.append((int(lo, 16), int(hi, 16)))
    stacks = []
    for line in text.splitlines():
        m = re.match(rf"EMU-THREAD {label} (\S+) sp=0x([0-9a-f]+)", line)
        if m:
            sp = int(m.group(2), 16)
            size = next(((hi - lo) // 1024 for lo, hi in ranges if lo <= sp < hi), None)
            stacks.append((m.group(1), size))
    return stacks


def memory_report(mem, switch_budget):
    """Lines on piboard's peak RSS at each step, what grew, and whether a
    page switch stayed within `switch_budget` MiB."""
    lines, ok = [], True
    steps = [("boot", "after the first frame"), ("http", "after the first requests to :8080"),
             ("touch", "after a tap beside the targets"),
             ("page", "after opening the alerts page"), ("back", "back on the overview")]
    prev = None
    for label, what in steps:
        if label not in mem:
            return lines + [f"memory: no figures {what}"], False
        f, maps = mem[label]
        line = (f"peak RSS {what}: {f['VmHWM'] / 1024:.1f} MiB (VmRSS {f['VmRSS'] / 1024:.1f}: "
                f"anon {f['RssAnon'] / 1024:.1f}, file {f['RssFile'] / 1024:.1f}, "
                f"shmem {f['RssShmem'] / 1024:.1f})")
        if prev:
            grew = sorted(((kb - mem[prev][1].get(m, 0), m[0]) for m, kb in maps.items()),
                          reverse=True)
            grew = [f"{n} +{d} kB" for d, n in grew[:3] if d >= 64]
            if grew:
                line += "; grew: " + ", ".join(grew)
        lines.append(line)
        prev = label
    lines.append(f"transparent huge pages at the end: {mem['back'][0].get('huge', 0)} kB "
                 f"(AnonHugePages)")
    tap = (mem["touch"][0]["VmHWM"] - mem["http"][0]["VmHWM"]) / 1024
    lines.append(f"a tap beside the targets raised the peak by {tap:.1f} MiB")
    switch = (mem["back"][0]["VmHWM"] - mem["touch"][0]["VmHWM"]) / 1024
    within = switch <= switch_budget
    lines.append(f"page switch (open and back) raised the peak by {switch:.1f} MiB "
                 f"(budget {switch_budget:g} MiB: {'OK' if within else 'OVER'})")
    return lines, within
