// SPDX-License-Identifier: BSD-3-Clause
// `flowmeterd --print-schema json`: a JSON Schema (draft 2020-12) of the JSON rows the Kafka
// sink writes (output/kafka_message.hpp) for the configured profile: one property per column,
// keyed by the header name; integers for Java long cells, numbers or the strings "NaN",
// "Infinity" and "-Infinity" for Java double cells; addresses, Flow ID and Timestamp as strings
// (the Timestamp in the profile's layout); the Label one of the labels the configuration can
// write (output.label or the profile's default, and the labels of the labelling rules).
#pragma once

#include <string>

#include "config/config.hpp"

namespace fm::output {

std::string json_schema(const config::DaemonConfig& config);

}  // namespace fm::output
