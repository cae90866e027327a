// SPDX-License-Identifier: BSD-3-Clause
// LabelMatcher: the labelling rules (config::LabelRule, `labels:` / --labels) compiled for the
// Label column. Asked once per flow, when its row is formatted on the worker thread: a binary
// search in each field's prefix table (output/rule_bits_table.hpp) and an AND of the rule sets
// found, whose first set bit is the first matching rule — a cost that grows with the log of
// the rules' ranges and with rules / 64, not with a scan of the rules. Built once at startup
// and shared, read-only, by every worker; match() allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/label_rule.hpp"
#include "features/feature_row.hpp"
#include "output/rule_bits_table.hpp"

namespace fm::output {

class LabelMatcher {
public:
    static constexpr std::uint32_t kNoMatch = std::numeric_limits<std::uint32_t>::max();

    /// Compiles `rules` (already checked by the loader). Startup only.
    explicit LabelMatcher(std::span<const config::LabelRule> rules);

    /// The index of the first rule that matches `row`, or kNoMatch. The row's addresses,
    /// ports and Protocol are those of its CSV columns (Src IP is the flow's source as the
    /// profile defines it), its time that of the first packet.
    std::uint32_t match(const features::FeatureRow& row) const noexcept;

    const std::string& label(std::uint32_t rule) const noexcept { return labels_[rule]; }
    std::size_t rules() const noexcept { return labels_.size(); }
    std::size_t longest_label() const noexcept { return longest_label_; }
    /// Bytes of the compiled tables (for the startup log and the benchmark).
    std::size_t memory_bytes() const noexcept;

private:
    std::size_t words_;
    std::vector<std::string> labels_;
    std::size_t longest_label_ = 0;
    std::vector<std::uint64_t> any_direction_;  ///< rules that may match with src/dst swapped
    RuleBitsTable src4_, src6_, dst4_, dst6_, hosts4_, hosts6_;
    RuleBitsTable ports_, src_ports_, dst_ports_, protocol_, time_;
};

/// The compiled rules of `rules`, or null when there are none (every row gets the default).
std::shared_ptr<const LabelMatcher> make_label_matcher(std::span<const config::LabelRule> rules);

}  // namespace fm::output
