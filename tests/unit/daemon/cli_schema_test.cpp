// SPDX-License-Identifier: BSD-3-Clause
// --print-schema: needs nothing to read, takes --profile and the flags like a run, and rejects
// an unknown schema name as a usage error (exit 64).
#include <initializer_list>
#include <vector>

#include <gtest/gtest.h>

#include "cli_parse.hpp"
#include "daemon/cli.hpp"

namespace fm::daemon {
namespace {

TEST(CliSchema, PrintSchemaNeedsNoInput) {
    const CliResult r = parse({"--print-schema", "clickhouse", "--profile", "cic2018"});
    EXPECT_EQ(r.action, CliAction::PrintSchema);
    EXPECT_EQ(r.schema, "clickhouse");
    EXPECT_EQ(r.config.flow.profile, Profile::Cic2018);
    const CliResult j = parse({"--print-schema", "json", "--label", "BENIGN"});
    EXPECT_EQ(j.action, CliAction::PrintSchema);
    EXPECT_EQ(j.schema, "json");
    EXPECT_EQ(j.config.output.label, "BENIGN");
}

TEST(CliSchema, UnknownSchemaIsAUsageError) {
    EXPECT_THROW(parse({"--print-schema", "avro"}), UsageError);
    EXPECT_THROW(parse({"--print-schema"}), UsageError);
}

TEST(CliSchema, BadProfileIsAConfigError) {
    EXPECT_THROW(parse({"--print-schema", "json", "--profile", "cic2019"}), config::ConfigError);
}

}  // namespace
}  // namespace fm::daemon
