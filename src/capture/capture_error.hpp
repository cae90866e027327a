// SPDX-License-Identifier: BSD-3-Clause
// CaptureError: a live capture source (libpcap interface, DPDK port) cannot be set up. Thrown at
// startup only, from the source constructors, and caught where the daemon is wired; the kind
// decides the process exit status (sysexits values, so systemd and scripts can tell a missing
// privilege or a wrong setting, which a restart does not fix, from a passing failure).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <sysexits.h>

namespace fm::capture {

class CaptureError : public std::runtime_error {
public:
    enum class Kind {
        Permission,    ///< the process lacks CAP_NET_RAW (or root): exit 77, EX_NOPERM
        Config,        ///< a setting is wrong (BPF filter, DPDK port or EAL argument): exit 78
        NoSuchDevice,  ///< the interface or port does not exist (yet): exit 1, may be retried
        Failure,       ///< anything else the system refused: exit 1
    };

    CaptureError(Kind kind, std::string message)
        : std::runtime_error(std::move(message)), kind_(kind) {}

    Kind kind() const noexcept { return kind_; }

    /// The process exit status main() should use for this error.
    int exit_code() const noexcept {
        switch (kind_) {
            case Kind::Permission:
                return EX_NOPERM;
            case Kind::Config:
                return EX_CONFIG;
            case Kind::NoSuchDevice:
            case Kind::Failure:
                return 1;
        }
        return 1;
    }

private:
    Kind kind_;
};

constexpr std::string_view to_string(CaptureError::Kind k) noexcept {
    switch (k) {
        case CaptureError::Kind::Permission:
            return "permission";
        case CaptureError::Kind::Config:
            return "config";
        case CaptureError::Kind::NoSuchDevice:
            return "no_such_device";
        case CaptureError::Kind::Failure:
            return "failure";
    }
    return "failure";
}

}  // namespace fm::capture
