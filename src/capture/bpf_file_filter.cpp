// SPDX-License-Identifier: BSD-3-Clause
// BpfFileFilter: capture.bpf_filter applied to the frames of capture files (see the header).
#include "capture/bpf_file_filter.hpp"

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace fm::capture {

namespace {

/// libpcap's largest snapshot length; what a file without one (pcapng) is compiled for.
constexpr std::uint32_t kMaxSnaplen = 262144;

/// Compiles into `prog`; returns the error text, empty on success.
std::string compile(const std::string& expression, std::uint32_t link_type, std::uint32_t snaplen,
                    bpf_program& prog) {
    pcap_t* dead = pcap_open_dead(static_cast<int>(link_type),
                                  static_cast<int>(snaplen == 0 ? kMaxSnaplen : snaplen));
    if (dead == nullptr) {
        return "libpcap cannot open a handle to compile the filter";
    }
    std::string error;
    if (pcap_compile(dead, &prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = pcap_geterr(dead);
    }
    pcap_close(dead);
    return error;
}

}  // namespace

std::string bpf_compile_error(const std::string& expression, std::uint32_t link_type,
                              std::uint32_t snaplen) {
    bpf_program prog{};
    std::string error = compile(expression, link_type, snaplen, prog);
    if (error.empty()) {
        pcap_freecode(&prog);
    }
    return error;
}

struct BpfFileFilter::Program {
    std::uint32_t link_type = 0;
    bpf_program prog{};
    ~Program() { pcap_freecode(&prog); }
};

BpfFileFilter::BpfFileFilter(std::string expression, std::uint32_t snaplen)
    : expression_(std::move(expression)), snaplen_(snaplen) {}

BpfFileFilter::~BpfFileFilter() = default;

std::string BpfFileFilter::prepare(std::uint32_t link_type) {
    for (const auto& p : programs_) {
        if (p->link_type == link_type) {
            return {};
        }
    }
    auto p = std::make_unique<Program>();
    p->link_type = link_type;
    std::string error = compile(expression_, link_type, snaplen_, p->prog);
    if (!error.empty()) {
        p->prog = bpf_program{};  // nothing to free
        return error;
    }
    programs_.push_back(std::move(p));
    return {};
}

const BpfFileFilter::Program* BpfFileFilter::program_for(std::uint32_t link_type) noexcept {
    if (last_ != nullptr && last_->link_type == link_type) {
        return last_;
    }
    for (const auto& p : programs_) {
        if (p->link_type == link_type) {
            return last_ = p.get();
        }
    }
    // A pcapng interface of a new link type: compiled once, on its first frame.
    try {
        const std::string error = prepare(link_type);
        if (!error.empty()) {
            error_ = fmt::format("capture.bpf_filter \"{}\" cannot be applied to link type {}: {}",
                                 expression_, link_type, error);
            return nullptr;
        }
    } catch (const std::exception& e) {
        error_ = fmt::format("capture.bpf_filter: {}", e.what());
        return nullptr;
    }
    return last_ = programs_.back().get();
}

bool BpfFileFilter::apply(RawBatch& batch) noexcept {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < batch.size; ++i) {
        const RawPacketView& v = batch.packets[i];
        const Program* p = program_for(v.link_type);
        if (p == nullptr) {
            batch.size = kept;
            return false;
        }
        pcap_pkthdr hdr{};
        hdr.caplen = v.cap_len;
        hdr.len = v.wire_len;
        if (pcap_offline_filter(&p->prog, &hdr, v.data) != 0) {
            batch.packets[kept++] = v;
        } else {
            ++rejected_;
        }
    }
    batch.size = kept;
    return true;
}

}  // namespace fm::capture
