#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Build one large classic-pcap test capture by replicating smaller ones.

Usage: scripts/make-big-capture.py [--packets N] -o OUT.pcap INPUT [INPUT ...]

INPUT is a classic pcap file (any byte order, micro- or nanosecond) or a folder, whose
classic pcap files are taken in name order; pcapng files and link types other than the first
input's are skipped with a note on stderr. The inputs are laid end to end (each one shifted in
time to start 1 s after the previous one ended; a gap of more than an hour between two packets
of one input, as in inputs that were themselves stitched from captures years apart, is cut to
an hour) to form one "round"; rounds are repeated until the output holds at least N packets (default 2,000,000), each round starting 1 s after the
previous one ended, so the output's timestamps follow each other round after round.

Round k (k = 0 is the unchanged original) rewrites every IPv4 and IPv6 source and destination
address of the outer IP header with the same per-round bijection, so a flow of round k never
has the 5-tuple of a flow of round 0..k-1 and both directions of a flow stay one flow:

    the address's first two 16-bit words (w0, w1) -> ((w0 + k) mod 65535, (w1 - k) mod 65535)

The ones'-complement sum of the address is unchanged by this, so the IPv4 header checksum and
the TCP/UDP/ICMPv6 checksums (whose pseudo-header holds the addresses) stay exactly as valid,
or as invalid, as they were: no checksum is recomputed. Addresses with a 0xffff word (such as
255.255.255.255) are left unchanged, as they have no place in that bijection. Ethernet with up
to two VLAN tags, Linux cooked (SLL), raw IP and BSD loopback link types are understood;
packets that are not IP, or are cut before the addresses, are copied unchanged.

The output is little-endian classic pcap with the first input's time resolution (nanosecond
inputs are written in nanoseconds); its snapshot length is the largest of the inputs'.
Standard library only.
"""

import argparse
import os
import struct
import sys

MAGIC_US = 0xA1B2C3D4
MAGIC_NS = 0xA1B23C4D

LINK_NULL, LINK_EN10MB, LINK_RAW, LINK_LOOP = 0, 1, 101, 108
LINK_SLL, LINK_IPV4, LINK_IPV6 = 113, 228, 229
MAX_GAP_S = 3600


def read_pcap(path):
    """Returns (linktype, snaplen, nanoseconds, [(ts_in_resolution_units, caplen, origlen, data)])."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 24:
        raise ValueError("shorter than a pcap header")
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", blob[:4])[0]
        if magic in (MAGIC_US, MAGIC_NS):
            break
    else:
        raise ValueError("not a classic pcap file (pcapng is not supported)")
    nanos = magic == MAGIC_NS
    _, _, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", blob[4:24])
    linktype &= 0xFFFF  # the upper bits may carry FCS information
    unit = 1_000_000_000 if nanos else 1_000_000
    rec = struct.Struct(endian + "IIII")
    packets = []
    off = 24
    while off + 16 <= len(blob):
        sec, frac, caplen, origlen = rec.unpack_from(blob, off)
        off += 16
        data = blob[off : off + caplen]
        off += caplen
        if len(data) < caplen:
            print(f"make-big-capture: {path}: truncated last record dropped", file=sys.stderr)
            break
        packets.append((sec * unit + frac, caplen, origlen, data))
    return linktype, snaplen, nanos, packets


def l3_offset(linktype, data):
    """Offset of the outer IP header and its version (4 or 6), or (None, None)."""
    if linktype == LINK_EN10MB:
        off, etype = 12, None
        for _ in range(3):  # the EtherType, then up to two VLAN tags
            if len(data) < off + 2:
                return None, None
            etype = struct.unpack_from("!H", data, off)[0]
            off += 2
            if etype in (0x8100, 0x88A8, 0x9100):
                off += 2
                continue
            break
        version = {0x0800: 4, 0x86DD: 6}.get(etype)
        return (off, version) if version else (None, None)
    if linktype == LINK_SLL:
        if len(data) < 16:
            return None, None
        version = {0x0800: 4, 0x86DD: 6}.get(struct.unpack_from("!H", data, 14)[0])
        return (16, version) if version else (None, None)
    if linktype in (LINK_NULL, LINK_LOOP):
        off = 4
    elif linktype in (LINK_RAW, LINK_IPV4, LINK_IPV6):
        off = 0
    else:
        return None, None
    if len(data) <= off:
        return None, None
    version = data[off] >> 4
    return (off, version) if version in (4, 6) else (None, None)


def address_words(linktype, data):
    """Offsets of the first byte of each outer source/destination address."""
    off, version = l3_offset(linktype, data)
    if version == 4 and len(data) >= off + 20:
        return (off + 12, off + 16)
    if version == 6 and len(data) >= off + 40:
        return (off + 8, off + 24)
    return ()


def shift_address(buf, at, k):
    w0, w1 = struct.unpack_from("!HH", buf, at)
    if w0 == 0xFFFF or w1 == 0xFFFF:
        return
    struct.pack_into("!HH", buf, at, (w0 + k) % 0xFFFF, (w1 - k) % 0xFFFF)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--packets", type=int, default=2_000_000)
    args = parser.parse_args()

    files = []
    for item in args.inputs:
        if os.path.isdir(item):
            files += [os.path.join(item, n) for n in sorted(os.listdir(item))]
        else:
            files.append(item)

    linktype, nanos, snaplen = None, None, 0
    templates = []  # (ts relative to the round's start, caplen, origlen, data, address offsets)
    round_end = 0
    for path in files:
        try:
            lt, sl, ns, packets = read_pcap(path)
        except (OSError, ValueError) as err:
            print(f"make-big-capture: skipping {path}: {err}", file=sys.stderr)
            continue
        if linktype is None:
            linktype, nanos = lt, ns
        if lt != linktype:
            print(f"make-big-capture: skipping {path}: link type {lt}, not {linktype}", file=sys.stderr)
            continue
        if not packets:
            continue
        snaplen = max(snaplen, sl)
        if ns == nanos:
            stamps = [p[0] for p in packets]
        elif nanos:  # microsecond input into a nanosecond output
            stamps = [p[0] * 1000 for p in packets]
        else:
            stamps = [p[0] // 1000 for p in packets]
        # Some inputs are themselves stitched from captures years apart: a forward gap
        # longer than MAX_GAP is cut to MAX_GAP, so that the rounds fit the 32-bit seconds
        # field (every flow meter here has expired all flows by then anyway).
        limit = MAX_GAP_S * (10**9 if nanos else 10**6)
        for i in range(1, len(stamps)):
            gap = stamps[i] - stamps[i - 1]
            if gap > limit:
                stamps[i:] = [t - gap + limit for t in stamps[i:]]
        first = min(stamps)
        start = round_end + (10**9 if nanos else 10**6) if templates else 0
        for ts, (_, caplen, origlen, data) in zip(stamps, packets):
            templates.append((start + ts - first, caplen, origlen, data, address_words(lt, data)))
        round_end = start + max(stamps) - first
    if not templates:
        sys.exit("make-big-capture: no usable input")

    unit = 10**9 if nanos else 10**6
    round_span = round_end + unit
    rounds = -(-args.packets // len(templates))
    if rounds > 0xFFFE:
        sys.exit("make-big-capture: too many rounds for the address rewrite; give more input")
    base = 1_600_000_000 * unit  # 2020-09-13, an arbitrary fixed start
    rec = struct.Struct("<IIII")
    written = 0
    with open(args.output, "wb") as out:
        out.write(struct.pack("<IHHiIII", MAGIC_NS if nanos else MAGIC_US, 2, 4, 0, 0, snaplen, linktype))
        for k in range(rounds):
            chunk = bytearray()
            for ts, caplen, origlen, data, addrs in templates:
                ts += base + k * round_span
                chunk += rec.pack(ts // unit, ts % unit, caplen, origlen)
                if k and addrs:
                    at = len(chunk)
                    chunk += data
                    for a in addrs:
                        shift_address(chunk, at + a, k)
                else:
                    chunk += data
            out.write(chunk)
            written += len(templates)
    print(
        f"make-big-capture: {args.output}: {written} packets, {rounds} rounds of {len(templates)}, "
        f"link type {linktype}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
