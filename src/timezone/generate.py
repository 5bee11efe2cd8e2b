#!/usr/bin/env python3
"""Regenerates src/timezone/zones.rs from the system's tz database (Debian's tzdata).

Every TZif file (version 2 or later) ends with a POSIX TZ string describing the zone's current
yearly rule; for almost every zone that is all Signpost needs (hour and weekday now, not
historical offsets). A few zones shift daylight saving around Ramadan, which no yearly rule
describes (Morocco, Palestine): for those the table also keeps the periods, from START to the
end of the file's explicit transitions, in which the rule gives the wrong offset, and the offset
that holds instead. Run:

    python3 src/timezone/generate.py /usr/share/zoneinfo > src/timezone/zones.rs
"""
import datetime
import io
import os
import struct
import sys
import zoneinfo

# The first instant the periods cover: the table describes now and the years ahead.
START = int(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
DAY = 86400


def read_tzif(data):
    """(transitions as (UTC second, offset), offset before the first, footer) of a v2+ file."""
    header = struct.Struct(">4sc15x6l")

    def counts(at):
        magic, version, isut, isstd, leap, timecnt, typecnt, charcnt = header.unpack_from(data, at)
        return version, isut, isstd, leap, timecnt, typecnt, charcnt

    version, isut, isstd, leap, timecnt, typecnt, charcnt = counts(0)
    # Skip the version 1 (32-bit) block to the 64-bit one.
    at = header.size + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
    version, isut, isstd, leap, timecnt, typecnt, charcnt = counts(at)
    at += header.size
    times = struct.unpack_from(">%dq" % timecnt, data, at)
    at += timecnt * 8
    indices = data[at:at + timecnt]
    at += timecnt
    offsets = [struct.unpack_from(">l", data, at + 6 * i)[0] for i in range(typecnt)]
    at += typecnt * 6 + charcnt + leap * 12 + isstd + isut
    footer = data[at:].strip(b"\n").decode("ascii")
    return [(t, offsets[i]) for t, i in zip(times, indices)], offsets[0], footer


def footer_offset(footer):
    """The offset function of a POSIX TZ string alone: a TZif with no transitions, read by
    Python's zoneinfo, is governed by its footer at every instant."""
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 1)
    block = header + struct.pack(">lBB", 0, 0, 0) + b"\0"
    zone = zoneinfo.ZoneInfo.from_file(io.BytesIO(block + block + b"\n" + footer.encode() + b"\n"))
    utc = datetime.timezone.utc
    return lambda t: int(datetime.datetime.fromtimestamp(t, utc).astimezone(zone).utcoffset().total_seconds())


def footer_changes(offset, start, end):
    """Instants in [start, end) where the footer's offset changes: a daily scan, then bisection
    to the second (daylight saving never lasts less than a day)."""
    changes = []
    for day in range(start, end, DAY):
        lo, hi = day, min(day + DAY, end)
        if offset(lo) == offset(hi):
            continue
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
        changes.append(hi)
    return changes


def exceptions(transitions, first, footer):
    """Periods [from, until) in [START, last transition) where the footer is wrong, with the offset
    that holds; after the last transition the footer governs (RFC 8536)."""
    if not transitions or transitions[-1][0] <= START:
        return []
    end = transitions[-1][0]
    offset = footer_offset(footer)
    explicit = first
    for t, o in transitions:
        if t <= START:
            explicit = o
    changes = dict((t, o) for t, o in transitions if START < t < end)
    bounds = sorted(set([START, end] + list(changes) + footer_changes(offset, START, end)))
    periods = []
    for a, b in zip(bounds, bounds[1:]):
        explicit = changes.get(a, explicit)
        if explicit == offset(a):
            continue
        if periods and periods[-1][1] == a and periods[-1][2] == explicit:
            periods[-1][1] = b
        else:
            periods.append([a, b, explicit])
    return periods


def tzdata_version(root):
    try:
        with open(os.path.join(root, "tzdata.zi")) as f:
            return f.readline().split()[-1]
    except OSError:
        return "unknown"


root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/zoneinfo"
zones = {}
for dirpath, dirnames, filenames in os.walk(root):
    rel_dir = os.path.relpath(dirpath, root)
    # posix/ and right/ duplicate the tree (right/ with leap seconds); skip them.
    if rel_dir.split(os.sep)[0] in ("posix", "right"):
        continue
    for name in filenames:
        path = os.path.join(dirpath, name)
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(b"TZif") or data[4:5] < b"2":
            continue
        zone = os.path.normpath(os.path.join(rel_dir, name)).replace(os.sep, "/")
        if zone in ("localtime", "posixrules", "Factory"):
            continue
        transitions, first, footer = read_tzif(data)
        if not footer:
            continue
        zones[zone] = (footer, tuple(tuple(p) for p in exceptions(transitions, first, footer)))

rules = sorted(set(footer for footer, _ in zones.values()))
rule_index = {r: i for i, r in enumerate(rules)}
tables = sorted(set(periods for _, periods in zones.values() if periods))
table_index = {p: i for i, p in enumerate(tables)}

out = sys.stdout
out.write("// @generated by src/timezone/generate.py from the tz database; do not edit.\n")
out.write("//! IANA zone names, the POSIX TZ rule each follows today, and the periods in which that\n")
out.write("//! rule is wrong.\n\n")
out.write("use super::Exceptions;\n\n")
out.write("/// The tz database release the table was made from.\n")
out.write('pub(super) const VERSION: &str = "%s";\n\n' % tzdata_version(root))
out.write("/// Distinct POSIX TZ rules.\n")
out.write("pub(super) static RULES: &[&str] = &[\n")
for r in rules:
    out.write('    "%s",\n' % r)
out.write("];\n\n")
out.write("/// Periods from %d on in which a zone's rule gives the wrong offset (daylight saving moved\n"
          % datetime.datetime.fromtimestamp(START, datetime.timezone.utc).year)
out.write("/// around Ramadan), with the offset that holds.\n")
out.write("pub(super) static EXCEPTIONS: &[Exceptions] = &[\n")
for periods in tables:
    offsets = set(o for _, _, o in periods)
    # One offset a table and whole hours keep a period at 4 bytes; a zone that needs more
    # fails here.
    assert len(offsets) == 1, "periods with several offsets: %r" % (offsets,)
    assert all(a % 3600 == 0 and b % 3600 == 0 for a, b, _ in periods), periods
    first = periods[0][0] // 3600
    out.write("    Exceptions {\n        offset: %d,\n        from: %d,\n        periods: &[\n"
              % (offsets.pop(), first))
    end = first
    for a, b, _ in periods:
        gap, length = a // 3600 - end, (b - a) // 3600
        assert gap >= 0 and 0 < length < 2**16, (a, b)
        # A longer gap (Ramadan in winter for a decade) takes empty periods.
        while gap >= 2**16:
            out.write("            [%d, 0],\n" % (2**16 - 1))
            gap -= 2**16 - 1
        out.write("            [%d, %d],\n" % (gap, length))
        end = b // 3600
    out.write("        ],\n    },\n")
out.write("];\n\n")
out.write("/// One line per zone, sorted by name: the IANA name, a space, the index of its rule in\n")
out.write("/// `RULES`, and for the few zones that have them, a space and the index of their\n")
out.write("/// `EXCEPTIONS`. One string rather than a table of (name, index) pairs, whose pointers and\n")
out.write("/// padding took 7 KB of the wasm.\n")
out.write('pub(super) static ZONES: &str = "\\\n')
for z in sorted(zones):
    footer, periods = zones[z]
    extra = " %d" % table_index[periods] if periods else ""
    out.write("%s %d%s\\n\\\n" % (z, rule_index[footer], extra))
out.write('";\n')
