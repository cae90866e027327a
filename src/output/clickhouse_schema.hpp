// SPDX-License-Identifier: BSD-3-Clause
// `flowmeterd --print-schema clickhouse`: the ClickHouse DDL that stores the rows the Kafka sink
// writes (docs/scale-out.md). Three statements, for the configured profile and output.kafka:
//   * a Kafka engine table reading the topic, one column per cell as the message has it (the
//     header names, so that JSONEachRow finds its keys; CSV reads by position), typed so that
//     every value of every row parses under ClickHouse's rules for the format;
//   * a MergeTree table with database-friendly names (the columns.def identifiers), sensor_id
//     and profile from the message headers, the addresses as IPv6 and the start of the flow
//     parsed from the profile's Timestamp layout;
//   * the materialized view that moves rows from the first to the second.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/config_loader.hpp"

namespace fm::output {

/// The DDL for `config` (flow.profile, output.timezone, output.kafka brokers/topic/format).
/// Throws config::ConfigError (at output.kafka.format) for profile cic2017 with format json:
/// its rows repeat the key " Fwd Header Length", which ClickHouse's JSONEachRow refuses.
std::string clickhouse_ddl(const config::DaemonConfig& config, const config::Origins& origins);

}  // namespace fm::output
