"""Times of the records of a cc.pcap, and an instant of the wall clock on the capture's clock
of a `limf capture` run played at recorded speed (its "first frame ... played at wall" line).
Imported by the tests/cli suites (PYTHONPATH=tests/cli)."""
import re, struct
def capture_clock(errf, wall):
    m = re.search(r"first frame (\d+)\.(\d+) played at wall (\d+)\.(\d+)", open(errf).read())
    ts0 = int(m.group(1)) + int(m.group(2)) / 1e9
    w0 = int(m.group(3)) + int(m.group(4)) / 1e9
    return ts0 + (wall - w0)
def cc_times(path):
    raw = open(path, "rb").read()
    div = 1e9 if struct.unpack_from("<I", raw, 0)[0] == 0xA1B23C4D else 1e6
    off, ts = 24, []
    while off + 16 <= len(raw):
        s, f, incl = struct.unpack_from("<III", raw, off)
        ts.append(s + f / div)
        off += 16 + incl
    return ts
