// SPDX-License-Identifier: BSD-3-Clause
// pipeline.workers: auto and the rule that turns it into a number (config/pipeline_layout.hpp),
// from the YAML file, from the command line's spelling and through to_yaml.
#include "config/pipeline_layout.hpp"

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_loader.hpp"

namespace fm::config {
namespace {

TEST(PipelineLayout, AutoIsTheDefault) {
    EXPECT_EQ(DaemonConfig{}.pipeline.workers, kAutoWorkers);
}

TEST(PipelineLayout, AutoLeavesOneCpuForTheCaptureThreadAboveTwoCpus) {
    PipelineConfig p;
    const std::uint32_t cpus = usable_cpus();
    ASSERT_GE(cpus, 1U);
    EXPECT_EQ(resolved_workers(p), cpus <= 2 ? cpus : cpus - 1);
}

TEST(PipelineLayout, AutoWithAffinityIsOneWorkerPerListedCpu) {
    PipelineConfig p;
    p.cpu_affinity = {0, 1, 2};
    EXPECT_EQ(resolved_workers(p), 3U);
}

TEST(PipelineLayout, ANumberIsTakenAsItIs) {
    PipelineConfig p;
    p.workers = 7;
    EXPECT_EQ(resolved_workers(p), 7U);
    p.cpu_affinity = {0, 1, 2, 3, 4, 5, 6};
    EXPECT_EQ(resolved_workers(p), 7U);
}

TEST(PipelineLayout, YamlAcceptsAutoAndANumber) {
    EXPECT_EQ(parse_config_text("pipeline:\n  workers: auto\n", "a.yaml").config.pipeline.workers,
              kAutoWorkers);
    EXPECT_EQ(parse_config_text("pipeline:\n  workers: 3\n", "a.yaml").config.pipeline.workers, 3U);
    EXPECT_THROW(parse_config_text("pipeline:\n  workers: automatic\n", "a.yaml"), ConfigError);
}

TEST(PipelineLayout, AutoWithAnyAffinityListValidates) {
    DaemonConfig c;
    c.capture.files = {"in.pcap"};
    c.pipeline.cpu_affinity = {0, 1};
    EXPECT_NO_THROW(validate(c, Origins{}));
}

TEST(PipelineLayout, ToYamlWritesAutoAndReadsItBack) {
    DaemonConfig c;
    const std::string yaml = to_yaml(c);
    EXPECT_NE(yaml.find("workers: auto"), std::string::npos) << yaml;
    EXPECT_EQ(parse_config_text(yaml, "rt.yaml").config.pipeline.workers, kAutoWorkers);
}

}  // namespace
}  // namespace fm::config
