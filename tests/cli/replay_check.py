#!/usr/bin/env python3
"""Checks an evidence bundle written by `limf replay` against the truth limf-gen wrote.

usage: replay_check.py BUNDLE LIID TRUTH.json CALLS [--no-wav] [--until=T | --from=T | --gap=S,R
                        | --lost=N] [--input=PCAP [--times]]
  CALLS: comma-separated call numbers ("no" in the truth) whose media must be in
  BUNDLE/LIID/cc.pcap; every other call of the truth must be absent from it.
  --until=T (seconds since the epoch, the LIID's warrant end) with --input=PCAP (the replayed
  capture): only the media sent before T: no record at or after T, each stream's record count
  that of its SRTP packets in PCAP before T, and their octets the same prefix of the .raw file.
  --from=T (a warrant that came into force during the call) with --input=PCAP: only the media
  sent at or after T: no record before T, each stream's record count that of its SRTP packets
  in PCAP at or after T, their octets the same suffix of the .raw file (and so the WAV's).
  --gap=S,R (a warrant suspended from S to R during the call) with --input=PCAP: the media sent
  before S and at or after R: none in between, each stream's records that many, their octets
  the prefix and the suffix of the .raw file one after the other (the WAV's with the silence
  of the gap between them).
  --lost=N with --input=PCAP (a re-key's media held for its keys, some pushed out): the N
  packets sent first under the re-key's keys (after the truth's rekey.keys_from), in PCAP's
  order, are not in cc.pcap, and every other one is, once; each record's octets are compared
  with its own place in the .raw file (by sequence number).
  --times with --input=PCAP: each record's time (to the microsecond) is that of the SRTP
  packet of its SSRC and sequence number in PCAP.

For each stream (direction, SSRC) of those calls: the clear RTP packets in cc.pcap (IPv4/IPv6 +
UDP, the original addresses and ports), sorted by sequence number, carry exactly the payload
octets of the generator's .raw file; their headers keep the SSRC and payload type. Without
--no-wav, for G.711 streams without loss the WAV holds the G.711-decoded samples of the .raw
file (ITU-T G.711 decoding, computed here independently). Prints one line per failure and
exits 1 if any."""
import json
import os
import struct
import sys


def ulaw(b):
    b = ~b & 0xFF
    t = ((b & 0x0F) << 3) + 0x84
    t <<= (b & 0x70) >> 4
    return (0x84 - t) if (b & 0x80) else (t - 0x84)


def alaw(b):
    b ^= 0x55
    t = (b & 0x0F) << 4
    seg = (b & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t += 0x108
        t <<= seg - 1
    return t if (b & 0x80) else -t


def read_pcap(path):
    """Records of a pcap (LINKTYPE_RAW): (ts, src, sport, dst, dport, udp payload)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        raise ValueError("not a little-endian pcap")
    linktype, = struct.unpack_from("<I", data, 20)
    if linktype != 101:
        raise ValueError("link type %d, want 101 (raw IP)" % linktype)
    off = 24
    while off < len(data):
        sec, frac, incl, orig = struct.unpack_from("<IIII", data, off)
        off += 16
        pkt = data[off:off + incl]
        off += incl
        ver = pkt[0] >> 4
        if ver == 4:
            ihl = (pkt[0] & 15) * 4
            src, dst = pkt[12:16], pkt[16:20]
            udp = pkt[ihl:]
            assert pkt[9] == 17, "not UDP"
        elif ver == 6:
            src, dst = pkt[8:24], pkt[24:40]
            udp = pkt[40:]
            assert pkt[6] == 17, "not UDP"
        else:
            raise ValueError("IP version %d" % ver)
        sport, dport, ulen = struct.unpack_from(">HHH", udp, 0)
        assert ulen == len(udp), "UDP length"
        out.append((sec, frac, src, sport, dst, dport, udp[8:]))
    return out


def input_srtp(path):
    """(seconds, fraction, nanosecond pcap?, RTP octets) of each SRTP packet of a limf-gen capture
    (Ethernet/raw IP, UDP; not SIP, not SRTCP, not IPv4 fragments), in its order."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    nano = magic == 0xA1B23C4D
    linktype, = struct.unpack_from("<I", data, 20)
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from("<IIII", data, off)
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            eth = struct.unpack_from(">H", pkt, 12)[0]
            pkt = pkt[14:]
            if eth == 0x8100:
                pkt = pkt[4:]
        ver = pkt[0] >> 4
        if ver == 4:
            if pkt[9] != 17 or struct.unpack_from(">H", pkt, 6)[0] & 0x3FFF:
                continue  # not UDP, or a fragment (SIP only)
            udp = pkt[(pkt[0] & 15) * 4:]
        elif ver == 6 and pkt[6] == 17:
            udp = pkt[40:]
        else:
            continue
        rtp = udp[8:]
        if len(rtp) < 12 or rtp[0] >> 6 != 2 or 72 <= (rtp[1] & 0x7F) <= 76:
            continue  # not RTP (SIP text, SRTCP)
        yield sec, frac, nano, rtp


def input_counts(path, until, since=None):
    """{ssrc: SRTP packets before until (None: any), at or after since (None: any)} of a
    limf-gen capture (input_srtp)."""
    out = {}
    for sec, frac, nano, rtp in input_srtp(path):
        t = sec + frac / (1e9 if nano else 1e6)
        if until is not None and t >= until:
            continue
        if since is not None and t < since:
            continue
        ssrc, = struct.unpack_from(">I", rtp, 8)
        out[ssrc] = out.get(ssrc, 0) + 1
    return out


def input_packets(path):
    """[(ssrc, seq, microseconds since the epoch)] of the SRTP packets of a limf-gen capture
    (input_srtp), in its order."""
    return [(struct.unpack_from(">I", rtp, 8)[0], struct.unpack_from(">H", rtp, 2)[0],
             sec * 1000000 + (frac // 1000 if nano else frac))
            for sec, frac, nano, rtp in input_srtp(path)]


def iso_us(t):
    """Microseconds since the epoch of an ISO 8601 UTC time (limf-gen's truth)."""
    import datetime
    d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond


def rtp_payload(rtp):
    """The payload octets of RTP packet rtp (after CSRCs and an extension, before padding)."""
    off = 12 + 4 * (rtp[0] & 15)
    if rtp[0] & 0x10:
        off += 4 + 4 * struct.unpack_from(">H", rtp, off + 2)[0]
    return rtp[off:len(rtp) - (rtp[-1] if rtp[0] & 0x20 else 0)]


def addr_text(a, port):
    import ipaddress
    ip = ipaddress.ip_address(bytes(a))
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip.compressed, port)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    no_wav = "--no-wav" in sys.argv
    opt = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    until = float(opt["until"]) if "until" in opt else None
    since = float(opt["from"]) if "from" in opt else None
    if "gap" in opt:
        until, since = (float(x) for x in opt["gap"].split(","))
    before = input_counts(opt["input"], until) if until is not None else None
    after = input_counts(opt["input"], None, since) if since is not None else None
    lost = int(opt["lost"]) if "lost" in opt else None
    pkts = input_packets(opt["input"]) if "--times" in sys.argv or lost is not None else []
    times = {}
    for ssrc, seq, us in pkts:
        times.setdefault((ssrc, seq), []).append(us)
    if "--times" not in sys.argv:
        times = None
    missing = set()
    bundle, liid, truth_path, calls = args[0], args[1], args[2], args[3]
    truth = json.load(open(truth_path))
    if calls == "targets":
        want = set(c["no"] for c in truth["calls"] if c["target"])
    else:
        want = set(int(c) for c in calls.split(",") if c)
    rawdir = truth_path[:-len(".json")] + ".d"
    fails = []
    cc = os.path.join(bundle, liid, "cc.pcap")
    recs = read_pcap(cc) if os.path.exists(cc) else []
    by_ssrc = {}
    if recs and until is not None and since is None:
        div = 1e9 if open(cc, "rb").read(4) == struct.pack("<I", 0xA1B23C4D) else 1e6
        late = [r for r in recs if r[0] + r[1] / div >= until]
        if late:
            fails.append("cc.pcap: %d records at or after %.6f, the first at %.6f"
                         % (len(late), until, late[0][0] + late[0][1] / div))
    if recs and since is not None:
        div = 1e9 if open(cc, "rb").read(4) == struct.pack("<I", 0xA1B23C4D) else 1e6
        early = [r for r in recs if r[0] + r[1] / div < since and
                 (until is None or r[0] + r[1] / div >= until)]
        if early:
            fails.append("cc.pcap: %d records before %.6f%s, the first at %.6f"
                         % (len(early), since, "" if until is None else
                            " and at or after %.6f" % until, early[0][0] + early[0][1] / div))
    nano = bool(recs) and open(cc, "rb").read(4) == struct.pack("<I", 0xA1B23C4D)
    for sec, frac, src, sport, dst, dport, rtp in recs:
        if len(rtp) < 12 or rtp[0] >> 6 != 2:
            fails.append("cc.pcap: a record is not RTP v2")
            continue
        ssrc, = struct.unpack_from(">I", rtp, 8)
        seq, = struct.unpack_from(">H", rtp, 2)
        if times is not None:
            us = sec * 1000000 + (frac // 1000 if nano else frac)
            if us not in times.get((ssrc, seq), []):
                fails.append("cc.pcap: SSRC %08x seq %d at %d.%06d, in the input at %s"
                             % (ssrc, seq, us // 1000000, us % 1000000,
                                ", ".join("%d.%06d" % (t // 1000000, t % 1000000)
                                          for t in times.get((ssrc, seq), [])) or "none"))
        by_ssrc.setdefault(ssrc, []).append(
            (seq, rtp, addr_text(src, sport), addr_text(dst, dport)))
    seen = set()
    for call in truth["calls"]:
        for st in call["streams"]:
            ssrc = int(st["ssrc"], 16)
            pk = by_ssrc.get(ssrc, [])
            if call["no"] not in want:
                if pk:
                    fails.append("call %d stream %s: %d packets in cc.pcap, want none"
                                 % (call["no"], st["ssrc"], len(pk)))
                continue
            seen.add(ssrc)
            raw = open(os.path.join(rawdir, st["raw"]), "rb").read()
            silence = 0
            if before is not None and after is not None:
                # a gap: the packets sent before it, then those sent after it
                b, a = before.get(ssrc, 0), after.get(ssrc, 0)
                if len(pk) != b + a:
                    fails.append("call %d stream %s: %d packets in cc.pcap, %d sent before %.6f "
                                 "and %d from %.6f" % (call["no"], st["ssrc"], len(pk), b, until,
                                                       a, since))
                per = len(raw) // st["packets"] if st["packets"] else 0
                # (the WAV places by RTP timestamp: the gap reads as silence)
                silence = len(raw) - per * (b + a)
                raw = raw[:per * b] + (raw[len(raw) - per * a:] if a else b"")
            elif before is not None:
                # the stream up to the warrant's end: as many packets as were sent before it,
                # and the same octets as the start of the .raw file
                if len(pk) != before.get(ssrc, 0):
                    fails.append("call %d stream %s: %d packets in cc.pcap, %d sent before %.6f"
                                 % (call["no"], st["ssrc"], len(pk), before.get(ssrc, 0), until))
                raw = raw[:len(raw) * len(pk) // st["packets"]] if st["packets"] else b""
            elif after is not None:
                # from the warrant's start: as many packets as were sent from then on, and the
                # same octets as the end of the .raw file
                if len(pk) != after.get(ssrc, 0):
                    fails.append("call %d stream %s: %d packets in cc.pcap, %d sent from %.6f"
                                 % (call["no"], st["ssrc"], len(pk), after.get(ssrc, 0), since))
                keep = len(raw) * len(pk) // st["packets"] if st["packets"] else 0
                raw = raw[len(raw) - keep:]
            # unwrap 16-bit sequence numbers from the stream's first one
            first = st["first_seq"]
            pk.sort(key=lambda p: (p[0] - first) & 0xFFFF)
            if lost is not None:
                # packets missing: each record's octets at its own place, none twice
                per = len(raw) // st["packets"] if st["packets"] else 0
                have = set()
                for seq, rtp, s, d in pk:
                    k = (seq - first) & 0xFFFF
                    if seq in have:
                        fails.append("call %d stream %s: seq %d twice in cc.pcap"
                                     % (call["no"], st["ssrc"], seq))
                    have.add(seq)
                    if rtp_payload(rtp) != raw[per * k:per * (k + 1)]:
                        fails.append("call %d stream %s: seq %d differs from its .raw octets"
                                     % (call["no"], st["ssrc"], seq))
                    if (rtp[1] & 0x7F) != st["pt"]:
                        fails.append("call %d stream %s: payload type %d, want %d"
                                     % (call["no"], st["ssrc"], rtp[1] & 0x7F, st["pt"]))
                    if s != st["src"] or d != st["dst"]:
                        fails.append("call %d stream %s: %s -> %s, want %s -> %s"
                                     % (call["no"], st["ssrc"], s, d, st["src"], st["dst"]))
                missing |= set((ssrc, (first + k) & 0xFFFF) for k in range(st["packets"])
                               if (first + k) & 0xFFFF not in have)
                continue
            got = b""
            for seq, rtp, s, d in pk:
                got += rtp_payload(rtp)
                if (rtp[1] & 0x7F) != st["pt"]:
                    fails.append("call %d stream %s: payload type %d, want %d"
                                 % (call["no"], st["ssrc"], rtp[1] & 0x7F, st["pt"]))
                    break
                if s != st["src"] or d != st["dst"]:
                    fails.append("call %d stream %s: %s -> %s, want %s -> %s"
                                 % (call["no"], st["ssrc"], s, d, st["src"], st["dst"]))
                    break
            if got != raw:
                fails.append("call %d stream %s: %d clear octets in %d packets, .raw has %d%s"
                             % (call["no"], st["ssrc"], len(got), len(pk), len(raw),
                                " (same length, different bytes)" if len(got) == len(raw)
                                else ""))
            if no_wav or st["lost"] or st["pt"] not in (0, 8) or not raw:
                continue
            wavs = [w for w in os.listdir(os.path.join(bundle, liid, "audio"))
                    if w.endswith("-%08x.wav" % ssrc)] \
                if os.path.isdir(os.path.join(bundle, liid, "audio")) else []
            if len(wavs) != 1:
                fails.append("call %d stream %s: %d WAV files" % (call["no"], st["ssrc"],
                                                                  len(wavs)))
                continue
            w = open(os.path.join(bundle, liid, "audio", wavs[0]), "rb").read()
            if w[:4] != b"RIFF" or w[8:16] != b"WAVEfmt " or w[36:40] != b"data":
                fails.append("%s: not a canonical WAV" % wavs[0])
                continue
            fmt = struct.unpack_from("<HHIIHH", w, 20)
            if fmt != (1, 1, 8000, 16000, 2, 16):
                fails.append("%s: format %r" % (wavs[0], fmt))
            n, = struct.unpack_from("<I", w, 40)
            samples = struct.unpack_from("<%dh" % (n // 2), w, 44)
            dec = ulaw if st["pt"] == 0 else alaw
            ref = tuple(dec(b) for b in raw[:len(raw) - per * a]) + (0,) * silence + \
                tuple(dec(b) for b in raw[len(raw) - per * a:]) if silence else \
                tuple(dec(b) for b in raw)
            if samples != ref:
                fails.append("%s: %d samples differ from the G.711 decoding of the original"
                             % (wavs[0], sum(1 for a, b in zip(samples, ref) if a != b)
                                + abs(len(samples) - len(ref))))
    if lost is not None:
        # the first `lost` sent under the re-key's keys, in the input's order
        rk = [c["rekey"]["keys_from"] for c in truth["calls"] if c["no"] in want and c["rekey"]]
        t_rk = iso_us(rk[0]) if rk else 0
        wanted = set(int(st["ssrc"], 16) for c in truth["calls"] if c["no"] in want
                     for st in c["streams"])
        first = [(ssrc, seq) for ssrc, seq, us in pkts if ssrc in wanted and us > t_rk][:lost]
        if missing != set(first):
            fails.append("not in cc.pcap: %s; want the first %d sent under the re-key's keys: %s"
                         % (" ".join("%08x/%d" % m for m in sorted(missing)), lost,
                            " ".join("%08x/%d" % m for m in sorted(first))))
    extra = set(by_ssrc) - seen
    for ssrc in extra:
        if not any(int(st["ssrc"], 16) == ssrc for c in truth["calls"] for st in c["streams"]):
            fails.append("cc.pcap: SSRC %08x is in no generated stream" % ssrc)
    for f in fails:
        print("FAIL:", f)
    if not fails:
        print("ok: %d packets" % len(recs))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
