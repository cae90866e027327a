// SPDX-License-Identifier: BSD-3-Clause
#include "flowgen/option_mix.hpp"

namespace fm::flowgen {
namespace {

constexpr std::uint16_t kMss = 1460;
constexpr std::uint8_t kWindowScale = 7;

/// Appends options to an OptionBytes; pad() fills with EOL to a multiple of 4.
class Writer {
public:
    Writer& u8(std::uint8_t v) noexcept {
        if (o_.len < o_.bytes.size()) {
            o_.bytes[o_.len++] = v;
        }
        return *this;
    }
    Writer& be16(std::uint16_t v) noexcept {
        return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
    }
    Writer& be32(std::uint32_t v) noexcept {
        return be16(static_cast<std::uint16_t>(v >> 16)).be16(static_cast<std::uint16_t>(v));
    }
    Writer& nop() noexcept { return u8(1); }
    Writer& mss() noexcept { return u8(2).u8(4).be16(kMss); }
    Writer& wscale() noexcept { return u8(3).u8(3).u8(kWindowScale); }
    Writer& sack_permitted() noexcept { return u8(4).u8(2); }
    Writer& sack(std::uint32_t left) noexcept { return u8(5).u8(10).be32(left).be32(left + 1448); }
    Writer& timestamps(std::uint32_t tsval, std::uint32_t tsecr) noexcept {
        return u8(8).u8(10).be32(tsval).be32(tsecr);
    }
    /// A fixed 16-byte pattern stands for the digest (nothing that reads these captures
    /// checks it).
    Writer& md5() noexcept {
        u8(19).u8(18);
        for (std::uint8_t i = 0; i < 16; ++i) {
            u8(static_cast<std::uint8_t>(0xA0 + i));
        }
        return *this;
    }
    Writer& fast_open_cookie() noexcept { return u8(34).u8(10).be32(0x5C1FA7F9).be32(0xAE91C0DE); }
    Writer& mp_capable(bool syn) noexcept {
        // Version 1, flags A|H (checksum required, HMAC-SHA256); the SYN-ACK's key follows.
        u8(30).u8(syn ? 4 : 12).u8(0x01).u8(0x81);
        if (!syn) {
            be32(0x0123'4567).be32(0x89AB'CDEF);
        }
        return *this;
    }
    Writer& mp_dss(std::uint32_t ack) noexcept { return u8(30).u8(8).u8(0x20).u8(0x01).be32(ack); }
    Writer& user_timeout() noexcept { return u8(28).u8(4).be16(0x8000 | 300); }  // 300 s
    Writer& experimental(std::uint8_t kind, std::uint16_t exid) noexcept {
        return u8(kind).u8(4).be16(exid);
    }
    OptionBytes pad() noexcept {
        while (o_.len % 4 != 0) {
            u8(0);
        }
        return o_;
    }

private:
    OptionBytes o_;
};

bool handshake(SegmentKind k) noexcept {
    return k == SegmentKind::Syn || k == SegmentKind::SynAck;
}

/// Linux's handshake options (MSS, SACK-permitted, timestamps, NOP, window scale: 20 bytes).
Writer& linux_syn(Writer& w, SegmentKind k, std::uint32_t tsval, std::uint32_t tsecr) noexcept {
    return w.mss()
        .sack_permitted()
        .timestamps(tsval, k == SegmentKind::Syn ? 0 : tsecr)
        .nop()
        .wscale();
}

}  // namespace

std::optional<OptionMix> parse_option_mix(std::string_view s) noexcept {
    if (s == "classic") {
        return OptionMix::Classic;
    }
    if (s == "realistic") {
        return OptionMix::Realistic;
    }
    return std::nullopt;
}

std::string_view to_string(OptionMix mix) noexcept {
    return mix == OptionMix::Classic ? "classic" : "realistic";
}

std::string_view to_string(TcpStack stack) noexcept {
    switch (stack) {
        case TcpStack::Windows:
            return "windows";
        case TcpStack::Linux:
            return "linux";
        case TcpStack::LinuxSack:
            return "linux-sack";
        case TcpStack::Md5:
            return "md5";
        case TcpStack::FastOpen:
            return "fast-open";
        case TcpStack::Multipath:
            return "multipath";
        case TcpStack::UserTimeout:
            return "user-timeout";
        case TcpStack::Experimental:
            return "experimental";
    }
    return "?";
}

std::string_view to_string(Ipv4Option option) noexcept {
    switch (option) {
        case Ipv4Option::None:
            return "none";
        case Ipv4Option::RouterAlert:
            return "router-alert";
        case Ipv4Option::RecordRoute:
            return "record-route";
        case Ipv4Option::Timestamp:
            return "timestamp";
        case Ipv4Option::Experiment:
            return "experiment";
    }
    return "?";
}

OptionBytes tcp_options(TcpStack stack, SegmentKind kind, std::uint32_t tsval, std::uint32_t tsecr,
                        std::uint32_t sack_left) noexcept {
    Writer w;
    const bool hs = handshake(kind);
    switch (stack) {
        case TcpStack::Windows:
            if (hs) {
                w.mss().nop().wscale().nop().nop().sack_permitted();
            }
            break;
        case TcpStack::Linux:
        case TcpStack::LinuxSack:
            if (hs) {
                linux_syn(w, kind, tsval, tsecr);
            } else {
                w.nop().nop().timestamps(tsval, tsecr);
                if (stack == TcpStack::LinuxSack && kind == SegmentKind::ClientAck) {
                    w.nop().nop().sack(sack_left);
                }
            }
            break;
        case TcpStack::Md5:
            if (hs) {
                w.mss().nop().nop().md5();
            } else {
                w.nop().nop().md5();
            }
            break;
        case TcpStack::FastOpen:
            if (hs) {
                linux_syn(w, kind, tsval, tsecr);
                if (kind == SegmentKind::Syn) {
                    w.fast_open_cookie();
                }
            } else {
                w.nop().nop().timestamps(tsval, tsecr);
            }
            break;
        case TcpStack::Multipath:
            if (hs) {
                linux_syn(w, kind, tsval, tsecr).mp_capable(kind == SegmentKind::Syn);
            } else {
                w.nop().nop().timestamps(tsval, tsecr).mp_dss(sack_left);
            }
            break;
        case TcpStack::UserTimeout:
            if (hs) {
                w.mss().nop().wscale().nop().nop().sack_permitted().user_timeout();
            }
            break;
        case TcpStack::Experimental:
            if (hs) {
                // AccECN's negotiation as first deployed, with an experimental ExID, on the
                // SYN (254) and SYN-ACK (253).
                linux_syn(w, kind, tsval, tsecr)
                    .experimental(kind == SegmentKind::Syn ? 254 : 253, 0xACCC);
            } else {
                w.nop().nop().timestamps(tsval, tsecr);
            }
            break;
    }
    return w.pad();
}

bool carries_experimental_kind(TcpStack stack, SegmentKind kind) noexcept {
    return stack == TcpStack::Experimental && handshake(kind);
}

OptionBytes ipv4_options(Ipv4Option option) noexcept {
    Writer w;
    switch (option) {
        case Ipv4Option::None:
            break;
        case Ipv4Option::RouterAlert:
            w.u8(148).u8(4).be16(0);
            break;
        case Ipv4Option::RecordRoute:
            w.u8(7).u8(11).u8(4).be32(0).be32(0);  // pointer at the first empty slot
            break;
        case Ipv4Option::Timestamp:
            w.u8(68).u8(12).u8(5).u8(0).be32(0).be32(0);  // flag 0: timestamps only
            break;
        case Ipv4Option::Experiment:
            w.u8(158).u8(4).be16(0x1234);
            break;
    }
    return w.pad();
}

}  // namespace fm::flowgen
