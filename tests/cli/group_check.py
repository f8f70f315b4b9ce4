#!/usr/bin/env python3
"""Checks a `limf replay` bundle of a limf-gen group capture (issue 9) against the truth.

usage: group_check.py BUNDLE LIID TRUTH.json [--gmks N] [--floor]

- cc.pcap: for every talker of the truth, the clear RTP packets with its SSRC, in sequence
  order and each sequence number once, carry exactly the octets of its .raw file (the server
  relays each packet to every other member: one copy is handed over, the others are replays);
  the packets of lost sequence numbers are absent from both.
- iri.jsonl: one key-management record per GMK recovered (outcome "gmk", the group's ID, the
  GMK-ID of the truth), N of them with --gmks; "talker" group records naming, for every turn of
  the truth, its GMK-ID and GUK-ID and the talker's URI, or "" for a talker that is no member
  the signalling made known (the --stranger); never a talker the truth does not have.
- --floor (every leg intercepted): one floor record per floor-control message of the truth,
  of the same type, naming the same talker where the message carries an identity (request,
  taken, release). Every group record says whether its packet was authenticated: talker
  records (SRTP verified under the GMK) true, floor records (clear RTCP APP) false.
Prints one line per failure and exits 1 if any."""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_check import read_pcap  # noqa: E402


def main():
    bundle, liid, truth_path = sys.argv[1:4]
    want_gmks = None
    args = sys.argv[4:]
    if len(args) > 1 and args[0] == "--gmks":
        want_gmks = int(args[1])
        args = args[2:]
    floor = args == ["--floor"]
    truth = json.load(open(truth_path))
    g = truth["group"]
    rawdir = truth_path[:-len(".json")] + ".d"
    fails = []
    by_ssrc = {}
    for rec in read_pcap(os.path.join(bundle, liid, "cc.pcap")):
        rtp = rec[6]
        ssrc, = struct.unpack_from(">I", rtp, 8)
        seq, = struct.unpack_from(">H", rtp, 2)
        by_ssrc.setdefault(ssrc, {})
        if seq in by_ssrc[ssrc]:
            fails.append("ssrc %08x seq %d handed over twice" % (ssrc, seq))
        by_ssrc[ssrc][seq] = rtp
    members = {m["uri"] for m in g["members"]}
    for t in g["talkers"]:
        ssrc = int(t["ssrc"], 16)
        pk = by_ssrc.pop(ssrc, {})
        raw = open(os.path.join(rawdir, t["raw"]), "rb").read()
        seqs = sorted(pk)
        if seqs and seqs[-1] - seqs[0] > 60000:
            fails.append("ssrc %08x: sequence numbers wrap, not handled here" % ssrc)
        got = b"".join(pk[s][12 + 4 * (pk[s][0] & 15):] for s in seqs)
        if got != raw:
            fails.append("talker %s ssrc %08x: %d clear octets in %d packets, .raw has %d"
                         % (t["uri"], ssrc, len(got), len(pk), len(raw)))
    for ssrc in by_ssrc:
        fails.append("cc.pcap has ssrc %08x, no talker of the truth" % ssrc)
    recs = [json.loads(line) for line in open(os.path.join(bundle, liid, "iri.jsonl"))]
    km = [r["key_management"] for r in recs if r["kind"] == "key-management"
          and r["key_management"]["side"] == "gmk"]
    got_gmks = sorted({k["detail"].split()[1] for k in km if k["outcome"] == "gmk"})
    want = sorted(x["gmk_id"] for x in g["gmks"])
    if want_gmks is not None:
        if len(got_gmks) != want_gmks or not set(got_gmks) <= set(want):
            fails.append("GMKs recovered %s, want %d of %s" % (got_gmks, want_gmks, want))
    for k in km:
        if k["outcome"] == "gmk" and g["id"] not in k["detail"]:
            fails.append("GMK record names another group: %s" % k["detail"])
        if k["outcome"] == "gmk" and k["signature"] != "valid":
            fails.append("GMK used with signature %s" % k["signature"])
    told = {(r["group"]["gmk_id"], r["group"]["guk_id"], r["group"]["talker"])
            for r in recs if r["kind"] == "group" and r["group"]["event"] == "talker"}
    for r in recs:
        if r["kind"] == "group" and r["group"]["group"] != g["id"]:
            fails.append("group record of %s" % r["group"]["group"])
        # a talker is named from SRTP verified under the GMK; floor control in the clear is
        # no one's proven word
        if r["kind"] == "group" and r["group"].get("authenticated") is not (
                r["group"]["event"] == "talker"):
            fails.append("group record %s with authenticated %r"
                         % (r["group"]["event"], r["group"].get("authenticated")))
    expect = set()
    for t in g["turns"]:
        who = t["talker"] if t["talker"] in members else ""
        expect.add((t["gmk_id"], t["guk_id"], who))
    if told != expect:
        fails.append("talker records %s, want %s" % (sorted(told), sorted(expect)))
    if floor:
        got = sorted((r["group"]["event"], r["group"]["talker"]) for r in recs
                     if r["kind"] == "group" and r["group"]["event"].startswith("floor-"))
        want = []
        for f in g["floor"]:
            name = "floor-" + f["type"].split()[-1].lower()
            named = name in ("floor-request", "floor-taken", "floor-release")
            want.append((name, f["talker"] if named and f["talker"] in members else ""))
        if got != sorted(want):
            fails.append("floor records %s, want %s" % (got, sorted(want)))
    for f in fails:
        print(f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
