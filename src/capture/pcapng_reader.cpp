// SPDX-License-Identifier: BSD-3-Clause
// pcapng block reader (draft-ietf-opsawg-pcapng). Each block is made addressable whole in the
// FileInput and checked (length a multiple of 4, within kMaxBlockLen, trailer equal to header,
// every field inside the block) before anything in it is used; the messages follow libpcap's
// where it has one.
#include "capture/pcapng_reader.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "common/bytes.hpp"
#include "common/pow10.hpp"

namespace fm::capture {

namespace {

constexpr std::uint32_t kBlockShb = 0x0a0d0d0a;
constexpr std::uint32_t kBlockIdb = 0x00000001;
constexpr std::uint32_t kBlockOpb = 0x00000002;  // obsolete Packet Block
constexpr std::uint32_t kBlockSpb = 0x00000003;
constexpr std::uint32_t kBlockEpb = 0x00000006;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;

constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptIfTsresol = 9;
constexpr std::uint16_t kOptIfTsoffset = 14;

constexpr std::uint32_t kShbMinLen = 28;  // header, BOM, version, section length, trailer
constexpr std::uint32_t kIdbMinLen = 20;
constexpr std::uint32_t kEpbMinLen = 32;
constexpr std::uint32_t kOpbMinLen = 32;
constexpr std::uint32_t kSpbMinLen = 16;

constexpr std::uint8_t kMaxDecimalExponent = 19;
constexpr std::uint8_t kMaxBinaryExponent = 63;

__extension__ using Uint128 = unsigned __int128;

}  // namespace

PcapngReader::PcapngReader(FileInput& input, std::string name)
    : in_(input), name_(std::move(name)) {
    // The first block must be a valid Section Header Block; read it now so that a file with a
    // bad header is reported as unreadable before any batch is asked for.
    RawBatch batch;
    if (read_block(batch, true) != Step::Continue) {
        if (error_.empty()) {
            at_end_ = true;
            error_ = fmt::format("{}: empty pcapng file (no section header block)", name_);
        }
        return;
    }
    // Read on through the interface descriptions up to the first packet, so that
    // first_link_type() is known before the first batch; that packet is then read again.
    for (;;) {
        batch.size = 0;
        const std::uint64_t at = offset_;
        const Step step = read_block(batch, true);
        if (step == Step::Continue) {
            continue;
        }
        if (step == Step::Packet) {
            packets_ = 0;
        } else if (!error_.empty()) {
            // Damage right after the header: reported when the first batch is asked for.
            error_.clear();
        }
        at_end_ = false;  // a clean end of file: the first batch will find it again
        offset_ = at;
        break;
    }
}

std::uint16_t PcapngReader::u16(const std::uint8_t* p) const noexcept {
    const ByteSpan s{p, 2};
    return big_endian_ ? load_be16(s, 0) : load_le16(s, 0);
}

std::uint32_t PcapngReader::u32(const std::uint8_t* p) const noexcept {
    const ByteSpan s{p, 4};
    return big_endian_ ? load_be32(s, 0) : load_le32(s, 0);
}

void PcapngReader::damage(std::uint64_t at, const std::string& reason) {
    at_end_ = true;
    if (!error_.empty()) {
        return;
    }
    if (at == 0) {
        error_ = fmt::format("{}: {}", name_, reason);
    } else {
        error_ = fmt::format("{}: damaged at byte offset {}: {} ({} packets read before it)", name_,
                             at, reason, packets_);
    }
}

void PcapngReader::fill(RawBatch& batch) noexcept {
    batch_bytes_ = 0;
    while (batch.size < RawBatch::kCapacity && !at_end_) {
        // Until the batch holds a packet, nothing points into the input: it may move.
        if (read_block(batch, batch.size == 0) == Step::Stop) {
            break;
        }
    }
}

PcapngReader::Step PcapngReader::read_block(RawBatch& batch, bool may_move) noexcept {
    // Allocation happens only in the error paths (message).
    FileInput::Need need = in_.need(offset_, 8, may_move);
    if (need == FileInput::Need::Full) {
        return Step::Stop;  // the next batch starts with this block
    }
    if (need == FileInput::Need::End) {
        const std::uint64_t have = in_.available(offset_);
        if (have == 0 && in_.read_errno() == 0) {
            at_end_ = true;  // clean end of file, between blocks
        } else {
            damage(offset_,
                   fmt::format("truncated block header; tried to read 8 bytes, only got {}", have));
        }
        return Step::Stop;
    }
    const std::uint8_t* hdr = in_.at(offset_);
    const bool is_shb = std::memcmp(hdr, "\x0a\x0d\x0d\x0a", 4) == 0;
    if (is_shb) {
        // The type is a palindrome; the byte-order magic after the length says how to read it.
        need = in_.need(offset_, 12, may_move);
        if (need == FileInput::Need::Full) {
            return Step::Stop;
        }
        if (need == FileInput::Need::End) {
            damage(offset_, "truncated section header block");
            return Step::Stop;
        }
        hdr = in_.at(offset_);
        const ByteSpan bom{hdr + 8, 4};
        if (load_le32(bom, 0) == kByteOrderMagic) {
            big_endian_ = false;
        } else if (load_be32(bom, 0) == kByteOrderMagic) {
            big_endian_ = true;
        } else {
            damage(offset_, "section header block with a bad byte-order magic");
            return Step::Stop;
        }
    } else if (offset_ == 0) {
        damage(0, "not a pcapng file (first block is not a section header block)");
        return Step::Stop;
    }
    const std::uint32_t type = u32(hdr);
    const std::uint32_t len = u32(hdr + 4);
    if (len < 12 || (len % 4) != 0 || len > kMaxBlockLen || (is_shb && len < kShbMinLen)) {
        damage(offset_,
               fmt::format("block of type 0x{:08x} has an invalid total length {}", type, len));
        return Step::Stop;
    }
    if (batch.size > 0 && batch_bytes_ + len > kBatchBytes) {
        return Step::Stop;  // a full batch by bytes; this block starts the next one
    }
    need = in_.need(offset_, len, may_move);
    if (need == FileInput::Need::Full) {
        return Step::Stop;
    }
    if (need == FileInput::Need::End) {
        damage(offset_, fmt::format("truncated block; block of {} bytes, only {} in the file", len,
                                    in_.available(offset_)));
        return Step::Stop;
    }
    const std::uint8_t* b = in_.at(offset_);
    if (u32(b + len - 4) != len) {
        damage(offset_, "block total length in header and trailer don't match");
        return Step::Stop;
    }
    const std::uint64_t block_off = offset_;
    offset_ += len;

    switch (type) {
        case kBlockShb:
            if (!parse_shb(b, len)) {
                return Step::Stop;
            }
            return Step::Continue;
        case kBlockIdb:
            if (!parse_idb(b, len)) {
                offset_ = block_off;
                return Step::Stop;
            }
            return Step::Continue;
        case kBlockEpb:
        case kBlockOpb: {
            if (len < (type == kBlockEpb ? kEpbMinLen : kOpbMinLen)) {
                damage(block_off, "packet block too short");
                return Step::Stop;
            }
            const std::uint32_t if_id = type == kBlockEpb ? u32(b + 8) : u16(b + 8);
            if (if_id >= ifaces_.size()) {
                damage(block_off, fmt::format("a packet arrived on interface {}, but there's no "
                                              "Interface Description Block for that interface",
                                              if_id));
                return Step::Stop;
            }
            const std::uint64_t ts = (std::uint64_t{u32(b + 12)} << 32) | u32(b + 16);
            const std::uint32_t cap = u32(b + 20);
            const std::uint32_t wire = u32(b + 24);
            if (cap > len - kEpbMinLen) {
                damage(block_off, fmt::format("packet block claims {} captured bytes, only {} fit",
                                              cap, len - kEpbMinLen));
                return Step::Stop;
            }
            emit(batch, ifaces_[if_id], ts, b + 28, cap, wire);
            batch_bytes_ += len;
            return Step::Packet;
        }
        case kBlockSpb: {
            if (ifaces_.empty()) {
                damage(block_off, "a simple packet block arrived before any interface");
                return Step::Stop;
            }
            const std::uint32_t wire = u32(b + 8);
            const std::uint32_t cap = std::min(wire, len - kSpbMinLen);
            emit(batch, ifaces_[0], 0, b + 12, cap, wire);
            batch_bytes_ += len;
            return Step::Packet;
        }
        default:
            return Step::Continue;  // statistics, name resolution, custom, …: not needed
    }
}

bool PcapngReader::parse_shb(const std::uint8_t* b, std::uint32_t /*len*/) noexcept {
    const std::uint16_t major = u16(b + 12);
    const std::uint16_t minor = u16(b + 14);
    // libpcap 1.10 accepts 1.0 and 1.2 (1.2 was written by some tools); anything else is refused.
    if (major != 1 || (minor != 0 && minor != 2)) {
        damage(offset_ - u32(b + 4),
               fmt::format("unsupported pcapng savefile version {}.{}", major, minor));
        return false;
    }
    ifaces_.clear();  // interface ids are per section
    return true;
}

bool PcapngReader::parse_idb(const std::uint8_t* b, std::uint32_t len) noexcept {
    const std::uint64_t at = offset_ - len;
    if (len < kIdbMinLen) {
        damage(at, "interface description block too short");
        return false;
    }
    Interface ifc;
    ifc.link_type = u16(b + 8);
    ifc.snaplen = u32(b + 12);
    std::size_t o = 16;
    const std::size_t opt_end = len - 4;
    while (o + 4 <= opt_end) {
        const std::uint16_t code = u16(b + o);
        const std::uint16_t olen = u16(b + o + 2);
        if (code == kOptEnd) {
            break;
        }
        const std::size_t padded = (static_cast<std::size_t>(olen) + 3U) & ~std::size_t{3};
        if (o + 4 + padded > opt_end) {
            damage(at, fmt::format("interface description block option {} of length {} runs "
                                   "past the end of the block",
                                   code, olen));
            return false;
        }
        const std::uint8_t* v = b + o + 4;
        if (code == kOptIfTsresol) {
            if (olen != 1) {
                damage(at, "if_tsresol option with a length other than 1");
                return false;
            }
            ifc.binary_resolution = (v[0] & 0x80) != 0;
            ifc.exponent = v[0] & 0x7f;
            if (ifc.exponent > (ifc.binary_resolution ? kMaxBinaryExponent : kMaxDecimalExponent)) {
                damage(at, fmt::format("unsupported if_tsresol 0x{:02x}", v[0]));
                return false;
            }
        } else if (code == kOptIfTsoffset) {
            if (olen != 8) {
                damage(at, "if_tsoffset option with a length other than 8");
                return false;
            }
            const std::uint64_t hi = u32(v);
            const std::uint64_t lo = u32(v + 4);
            // 64-bit option values are stored as a whole in the section's byte order.
            const std::uint64_t raw = big_endian_ ? ((hi << 32) | lo) : ((lo << 32) | hi);
            ifc.offset_s = static_cast<std::int64_t>(raw);
        }
        o += 4 + padded;
    }
    if (ifaces_.empty() && first_link_type_ == 0) {
        first_link_type_ = ifc.link_type;
    }
    ifaces_.push_back(ifc);
    return true;
}

void PcapngReader::emit(RawBatch& batch, const Interface& ifc, std::uint64_t ts,
                        const std::uint8_t* data, std::uint32_t cap_len,
                        std::uint32_t wire_len) noexcept {
    std::int64_t us = 0;
    if (ifc.binary_resolution) {
        us = static_cast<std::int64_t>((Uint128{ts} * 1000000U) >> ifc.exponent);
    } else if (ifc.exponent >= 6) {
        us = static_cast<std::int64_t>(ts / kPow10[ifc.exponent - 6]);  // truncation, as libpcap
    } else {
        us = static_cast<std::int64_t>(Uint128{ts} * kPow10[6 - ifc.exponent]);
    }
    // Unsigned arithmetic: a hostile if_tsoffset must wrap, not overflow.
    us = static_cast<std::int64_t>(static_cast<std::uint64_t>(us) +
                                   static_cast<std::uint64_t>(ifc.offset_s) * 1000000U);
    RawPacketView& v = batch.packets[batch.size++];
    v.ts_us = us;
    v.data = data;
    v.cap_len = ifc.snaplen != 0 ? std::min(cap_len, ifc.snaplen) : cap_len;
    v.wire_len = wire_len;
    v.link_type = ifc.link_type;
    ++packets_;
}

}  // namespace fm::capture
