// SPDX-License-Identifier: BSD-3-Clause
// Interface listing via pcap_findalldevs. Addresses are printed with inet_ntop; the prefix
// length comes from the netmask when libpcap gives one.
#include "daemon/list_interfaces.hpp"

#include <bit>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace fm::daemon {

namespace {

struct DevsDeleter {
    void operator()(pcap_if_t* p) const noexcept { pcap_freealldevs(p); }
};

std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, sa, sizeof in);
        inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
        return buf;
    }
    if (sa->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, sa, sizeof in6);
        inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
        return buf;
    }
    return {};
}

int prefix_length(const sockaddr* mask) {
    if (mask == nullptr) {
        return -1;
    }
    int bits = 0;
    if (mask->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, mask, sizeof in);
        bits = std::popcount(in.sin_addr.s_addr);
    } else if (mask->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, mask, sizeof in6);
        for (unsigned char b : in6.sin6_addr.s6_addr) {
            bits += std::popcount(b);
        }
    } else {
        return -1;
    }
    return bits;
}

std::string flags_text(bpf_u_int32 flags) {
    std::string s = (flags & PCAP_IF_UP) != 0 ? "up" : "down";
    if ((flags & PCAP_IF_RUNNING) != 0) {
        s += ", running";
    }
    if ((flags & PCAP_IF_LOOPBACK) != 0) {
        s += ", loopback";
    }
    if ((flags & PCAP_IF_WIRELESS) != 0) {
        s += ", wireless";
    }
    return s;
}

}  // namespace

std::string list_interfaces() {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* raw = nullptr;
    if (pcap_findalldevs(&raw, err) != 0) {
        throw std::runtime_error(fmt::format("cannot list interfaces: {}", err));
    }
    const std::unique_ptr<pcap_if_t, DevsDeleter> devs(raw);
    std::string out;
    int index = 0;
    for (const pcap_if_t* d = devs.get(); d != nullptr; d = d->next) {
        out += fmt::format("{}. {}", ++index, d->name);
        if (d->description != nullptr) {
            out += fmt::format(" ({})", d->description);
        }
        out += fmt::format(" [{}]\n", flags_text(d->flags));
        for (const pcap_addr_t* a = d->addresses; a != nullptr; a = a->next) {
            if (a->addr == nullptr) {
                continue;
            }
            const std::string addr = address_text(a->addr);
            if (addr.empty()) {
                continue;
            }
            const int prefix = prefix_length(a->netmask);
            const char* family = a->addr->sa_family == AF_INET ? "inet" : "inet6";
            if (prefix >= 0) {
                out += fmt::format("    {} {}/{}\n", family, addr, prefix);
            } else {
                out += fmt::format("    {} {}\n", family, addr);
            }
        }
    }
    if (index == 0) {
        out = "no capture interfaces found (capturing needs CAP_NET_RAW or root)\n";
    }
    return out;
}

}  // namespace fm::daemon
