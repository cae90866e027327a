#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the hand-made seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).

Every seed is built here from field values, so the corpus holds no third-party capture data.
Run from anywhere: python3 tests/fuzz/make_corpus.py. The output is committed; re-running it
rewrites the same files.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# Keep in sync with kLinkTypes in fuzz_decoder.cpp.
LINK_TYPES = [1, 0, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 127, 192, 228, 229, 239, 242,
              258, 276, 147]


def be16(v): return struct.pack('>H', v)
def be32(v): return struct.pack('>I', v)
def le16(v): return struct.pack('<H', v)
def le32(v): return struct.pack('<I', v)


def eth(t): return bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]) + be16(t)


def ipv4(proto, payload, frag=0, total=None):
    tl = 20 + len(payload) if total is None else total
    return (bytes([0x45, 0]) + be16(tl) + be16(0x1234) + be16(frag) + bytes([64, proto]) +
            be16(0) + bytes([10, 0, 0, 1, 10, 0, 0, 2]) + payload)


def ipv6(nh, payload):
    return (bytes([0x60, 0, 0, 0]) + be16(len(payload)) + bytes([nh, 64]) +
            bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]) +
            bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2]) + payload)


def tcp(sport=1234, dport=80, flags=0x18, data=b'', opts=b''):
    doff = (20 + len(opts)) // 4
    return (be16(sport) + be16(dport) + be32(1000) + be32(2000) + bytes([doff << 4, flags]) +
            be16(8192) + be16(0) + be16(0) + opts + data)


def udp(sport=5353, dport=53, data=b''):
    return be16(sport) + be16(dport) + be16(8 + len(data)) + be16(0) + data


def icmp(t, c, data=b''): return bytes([t, c]) + be16(0) + be32(0) + data


def snap(t): return bytes([0xaa, 0xaa, 0x03, 0, 0, 0]) + be16(t)


def wlan(fc, body): return le16(fc) + be16(0) + bytes(18) + be16(0x10) + body


def decoder_seeds():
    v4tcp = ipv4(6, tcp(data=b'GET / HTTP/1.0\r\n\r\n'))
    v4udp = ipv4(17, udp(data=b'\x12\x34' + bytes(10)))
    v6tcp = ipv6(6, tcp(flags=0x02))
    quoted = ipv4(1, icmp(3, 3, ipv4(17, udp(data=bytes(4)))))
    gre = ipv4(47, be16(0x2000) + be16(0x0800) + be32(7) + v4tcp)
    teredo = ipv4(17, udp(50000, 3544, be16(0) + be16(1) + be32(0) + ipv6(59, b'')))
    ext = ipv6(0, bytes([43, 0]) + bytes(6) + bytes([44, 0, 0, 0]) + bytes(4) +
               bytes([17, 0, 0, 1]) + be32(5) + udp())
    radiotap = (bytes([0, 0]) + le16(24) + le32(7) + bytes(8) + bytes([0x10, 2]) + bytes(6) +
                wlan(0x0188, bytes(2) + snap(0x0800) + v4udp) + be32(0))
    nflog = (bytes([2, 0]) + be16(0) + le16(8) + le16(1) + be32(0) +
             le16(4 + len(v4tcp)) + le16(9) + v4tcp)
    return {
        'eth_ipv4_tcp': (1, eth(0x0800) + v4tcp + bytes(6)),
        'eth_ipv4_udp': (1, eth(0x0800) + v4udp),
        'eth_ipv4_fragments': (1, eth(0x0800) + ipv4(17, bytes(40), frag=0x0005)),
        'eth_icmp_quote': (1, eth(0x0800) + quoted),
        'eth_tso_zero_length': (1, eth(0x0800) + ipv4(6, tcp(), total=0) + bytes(20)),
        'eth_qinq_vlan': (1, eth(0x88a8) + be16(10) + be16(0x8100) + be16(20) + be16(0x0800) +
                          v4udp),
        'eth_mpls': (1, eth(0x8847) + be32(0x00010000) + be32(0x00020100) + v4tcp),
        'eth_pppoe': (1, eth(0x8864) + bytes([0x11, 0]) + be16(1) + be16(2 + len(v6tcp)) +
                      be16(0x0057) + v6tcp),
        'eth_ipv6_ext_chain': (1, eth(0x86dd) + ext),
        'eth_gre': (1, eth(0x0800) + gre),
        'eth_teredo': (1, eth(0x0800) + teredo),
        'eth_ipip': (1, eth(0x0800) + ipv4(4, v4udp)),
        'eth_sctp': (1, eth(0x0800) + ipv4(132, be16(1) + be16(2) + bytes(8))),
        'eth_truncated_tcp': (1, eth(0x0800) + v4tcp[:30]),
        'null_ipv4': (LINK_TYPES.index(0), le32(2) + v4udp),
        'null_ipv6': (LINK_TYPES.index(0), le32(30) + v6tcp),
        'ppp_ipv4': (LINK_TYPES.index(9), bytes([0xff, 3]) + be16(0x21) + v4tcp),
        'ppp_mpls': (LINK_TYPES.index(9), bytes([0xff, 3]) + be16(0x281) + be32(0x100) + v4udp),
        'fddi_snap': (LINK_TYPES.index(10), bytes([0x50]) + bytes(12) + snap(0x0800) + v4tcp),
        'raw_ipv6': (LINK_TYPES.index(101), v6tcp),
        'cisco_hdlc': (LINK_TYPES.index(104), bytes([0x0f, 0]) + be16(0x0800) + v4udp),
        'wlan_qos': (LINK_TYPES.index(105), wlan(0x0188, bytes(2) + snap(0x86dd) + v6tcp)),
        'loop_ipv4': (LINK_TYPES.index(108), be32(2) + v4tcp),
        'sll_ipv4': (LINK_TYPES.index(113), be16(0) + be16(1) + be16(6) + bytes(8) +
                     be16(0x0800) + v4tcp),
        'radiotap_fcs': (LINK_TYPES.index(127), radiotap),
        'ppi_eth': (LINK_TYPES.index(192), bytes([0, 0]) + le16(8) + le32(1) + eth(0x0800) +
                    v4udp),
        'ipv4_link': (LINK_TYPES.index(228), v4udp),
        'ipv6_link': (LINK_TYPES.index(229), ext),
        'nflog': (LINK_TYPES.index(239), nflog),
        'ipoib': (LINK_TYPES.index(242), bytes(40) + be16(0x0800) + be16(0) + v4tcp),
        'pktap_eth': (LINK_TYPES.index(258), le32(108) + le32(1) + bytes(100) + eth(0x0800) +
                      v4tcp),
        'sll2_ipv6': (LINK_TYPES.index(276), be16(0x86dd) + bytes(18) + v6tcp),
    }


def pcap(records, be=False, nano=False, snaplen=65535, link=1):
    e = '>' if be else '<'
    out = struct.pack(e + 'IHHiIII', 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0, snaplen,
                      link)
    for i, (data, orig) in enumerate(records):
        out += struct.pack(e + 'IIII', 1_700_000_000 + i, 123_456, len(data), orig) + data
    return out


def ng_block(e, btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + 'II', btype, n) + body + struct.pack(e + 'I', n)


def pcapng(be=False):
    e = '>' if be else '<'
    shb = ng_block(e, 0x0a0d0d0a, struct.pack(e + 'IHHq', 0x1a2b3c4d, 1, 0, -1))
    idb0 = ng_block(e, 1, struct.pack(e + 'HHI', 1, 0, 0) + struct.pack(e + 'HH', 9, 1) +
                    bytes([9, 0, 0, 0]) + struct.pack(e + 'HH', 0, 0))
    idb1 = ng_block(e, 1, struct.pack(e + 'HHI', 113, 0, 96))
    frame = eth(0x0800) + ipv4(6, tcp())
    sll = be16(0) + be16(1) + be16(6) + bytes(8) + be16(0x0800) + ipv4(17, udp())
    ts = 1_700_000_000_123_456_789
    epb0 = ng_block(e, 6, struct.pack(e + 'IIIII', 0, ts >> 32, ts & 0xffffffff, len(frame),
                                      len(frame)) + frame)
    epb1 = ng_block(e, 6, struct.pack(e + 'IIIII', 1, 0, 5, len(sll), len(sll)) + sll)
    spb = ng_block(e, 3, struct.pack(e + 'I', len(frame)) + frame)
    isb = ng_block(e, 5, bytes(16))
    return shb + idb0 + idb1 + epb0 + isb + epb1 + spb


def capture_seeds():
    eth_tcp = eth(0x0800) + ipv4(6, tcp(flags=0x02))
    eth_udp = eth(0x0800) + ipv4(17, udp(data=bytes(20)))
    classic = pcap([(eth_tcp, len(eth_tcp)), (eth_udp, len(eth_udp))])
    ng = pcapng()
    return {
        'pcap_le_us': classic,
        'pcap_be_us': pcap([(eth_tcp, len(eth_tcp))], be=True),
        'pcap_le_ns': pcap([(eth_udp, len(eth_udp))], nano=True),
        'pcap_be_ns_raw': pcap([(ipv4(17, udp()), 28)], be=True, nano=True, link=101),
        'pcap_snaplen_cut': pcap([(eth_udp, 1000)], snaplen=40),
        'pcap_truncated': classic[:-7],
        'pcap_header_only': classic[:24],
        'pcapng_two_interfaces': ng,
        'pcapng_big_endian': pcapng(be=True),
        'pcapng_two_sections': ng + pcapng(be=True),
        'pcapng_truncated': ng[:-9],
        'pcapng_bad_trailer': ng[:-1] + b'\x7f',
    }


def write(target, seeds, with_link):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    for name, value in sorted(seeds.items()):
        if with_link:
            index, frame = value
            data = bytes([index, 0]) + frame
        else:
            data = value
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    write('fuzz_decoder', decoder_seeds(), True)
    write('fuzz_capture_file', capture_seeds(), False)
