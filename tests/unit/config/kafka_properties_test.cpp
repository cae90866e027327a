// SPDX-License-Identifier: BSD-3-Clause
// output.sinks and output.kafka: the rules validate() applies, with the key and line named.
#include "config/kafka_properties.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace fm::config {
namespace {

/// The message validate() throws for `yaml` (with an input file), or "" when it passes.
std::string error_of(const std::string& yaml, bool kafka_built = true) {
    LoadedConfig c = parse_config_text("capture:\n  files: [in.pcap]\n" + yaml, "k.yaml");
    BuildFeatures build;
    build.kafka = kafka_built;
    try {
        validate(c.config, c.origins, build);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return {};
}

TEST(KafkaSettings, DefaultIsCsvOnly) {
    EXPECT_EQ(DaemonConfig{}.output.sinks, std::vector<std::string>{"csv"});
    EXPECT_EQ(error_of(""), "");
}

TEST(KafkaSettings, KafkaInABuildWithoutLibrdkafkaIsAConfigError) {
    const std::string e =
        error_of("output:\n  sinks: [kafka]\n  kafka:\n    brokers: [\"b:9092\"]\n", false);
    EXPECT_EQ(e.rfind("k.yaml:4: output.sinks: kafka: this flowmeterd was built without", 0), 0u)
        << e;
}

TEST(KafkaSettings, SinkNamesAreChecked) {
    EXPECT_NE(error_of("output:\n  sinks: [csv, parquet]\n").find("unknown sink \"parquet\""),
              std::string::npos);
    EXPECT_NE(error_of("output:\n  sinks: [csv, csv]\n").find("listed twice"), std::string::npos);
    EXPECT_NE(error_of("output:\n  sinks: []\n").find("no sink"), std::string::npos);
}

TEST(KafkaSettings, BrokersAreNeededAndChecked) {
    EXPECT_NE(error_of("output:\n  sinks: [kafka]\n").find("output.kafka.brokers: no broker"),
              std::string::npos);
    const std::string head = "output:\n  sinks: [kafka]\n  kafka:\n    brokers: ";
    EXPECT_NE(error_of(head + "[\"h:0\"]\n").find("k.yaml:6: output.kafka.brokers:"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[\"h:\"]\n").find("no port"), std::string::npos);
    EXPECT_NE(error_of(head + "[\"a:1,b:2\"]\n").find("one address per list entry"),
              std::string::npos);
    EXPECT_NE(error_of(head + "[\"::1:9092\"]\n").find("[ADDRESS]:PORT"), std::string::npos);
#ifdef FM_HAVE_KAFKA
    EXPECT_EQ(error_of(head + "[\"h:9092\", \"[::1]:9093\", \"kafka\"]\n"), "");
#endif
}

TEST(KafkaSettings, NamedChoicesAreChecked) {
    const std::string head = "output:\n  sinks: [kafka]\n  kafka:\n    brokers: [\"h:9092\"]\n";
    EXPECT_NE(error_of(head + "    format: avro\n").find("k.yaml:7: output.kafka.format:"),
              std::string::npos);
    EXPECT_NE(error_of(head + "    key: random\n").find("output.kafka.key:"), std::string::npos);
    EXPECT_NE(error_of(head + "    compression: lz5\n").find("output.kafka.compression:"),
              std::string::npos);
    EXPECT_NE(error_of(head + "    spool_max_bytes: 10\n").find("output.kafka.spool_max_bytes:"),
              std::string::npos);
}

TEST(KafkaSettings, EachSettingBecomesItsProducerProperty) {
    const LoadedConfig c = parse_config_text(
        "output:\n  sinks: [kafka]\n  kafka:\n    brokers: [\"a:9092\", \"b:9093\"]\n"
        "    client_id: sensor-7\n    compression: zstd\n    batch_bytes: 65536\n"
        "    linger_ms: 5\n    queue_max_bytes: 2097152\n"
        "    properties:\n      linger.ms: \"7\"\n",
        "k.yaml");
    std::map<std::string, std::string> last;  // later entries override earlier ones
    for (const KafkaProperty& p : kafka_properties(c.config.output.kafka)) {
        last[p.name] = p.value;
    }
    EXPECT_EQ(last["bootstrap.servers"], "a:9092,b:9093");
    EXPECT_EQ(last["client.id"], "sensor-7");
    EXPECT_EQ(last["compression.type"], "zstd");
    EXPECT_EQ(last["batch.size"], "65536");
    EXPECT_EQ(last["queue.buffering.max.kbytes"], "2048");
    EXPECT_EQ(last["enable.idempotence"], "true");
    EXPECT_EQ(last["linger.ms"], "7");  // output.kafka.properties override the keys
}

TEST(KafkaSettings, OutputFileWithoutTheCsvSinkIsRefused) {
    EXPECT_NE(error_of("output:\n  file: out.csv\n  sinks: [kafka]\n  kafka:\n    brokers: "
                       "[\"h:9092\"]\n")
                  .find("no csv"),
              std::string::npos);
}

TEST(KafkaSettings, PropertiesKeepTheirLines) {
    const LoadedConfig c = parse_config_text(
        "output:\n  kafka:\n    properties:\n      acks: all\n      sasl.username: u\n", "k.yaml");
    ASSERT_EQ(c.config.output.kafka.properties.size(), 2u);
    EXPECT_EQ(c.origins.where("output.kafka.properties.sasl.username"), "k.yaml:5");
    const auto all = kafka_properties(c.config.output.kafka);
    EXPECT_EQ(all.back().name, "sasl.username");
    EXPECT_EQ(all.back().yaml_key, "output.kafka.properties.sasl.username");
}

}  // namespace
}  // namespace fm::config
