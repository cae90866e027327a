// SPDX-License-Identifier: BSD-3-Clause
// The `labels:` list (docs/labelling.md): YAML -> ordered LabelRules, every value checked where
// it is written. Used for the `labels:` key of the configuration file (config_loader.cpp) and
// for a rule file given with --labels FILE. Errors are ConfigErrors of the form
// `FILE:LINE: labels[i].key: message`, i counting the rules from 0.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/label_rule.hpp"

namespace YAML {
class Emitter;
class Node;
}  // namespace YAML

namespace fm::config {

/// The rules of a `labels:` value (a list of mappings, or null for none). `name` stands for the
/// file in messages. Throws ConfigError.
std::vector<LabelRule> parse_label_rules(const YAML::Node& list, const std::string& name);

/// A rule file: the list itself, or a mapping whose only key is `labels:` (the same text as in
/// the configuration file). Throws ConfigError, also when the text is not YAML.
std::vector<LabelRule> parse_label_rules_text(std::string_view yaml, const std::string& name);

/// As parse_label_rules_text for the file at `path` (--labels). Throws ConfigError.
std::vector<LabelRule> parse_label_rules_file(const std::string& path);

/// Writes `rules` as the YAML list parse_label_rules reads back to the same rules.
void emit_label_rules(YAML::Emitter& out, const std::vector<LabelRule>& rules);

}  // namespace fm::config
