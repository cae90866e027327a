// SPDX-License-Identifier: BSD-3-Clause
// The loadable modules as the program sees them (daemon/modules.hpp, common/module_loader.hpp):
// stamps that do not match are refused, a module that is nowhere is a configuration error naming
// the setting and every path tried, and librdkafka judges output.kafka through its module.
// Loading the real module files is tested end to end (tests/integration/modules_test.sh).
#include "daemon/modules.hpp"

#include <string>

#include <gtest/gtest.h>

#include "common/module_build_id.hpp"
#include "common/module_loader.hpp"
#include "config/config_loader.hpp"

namespace fm::daemon {
namespace {

TEST(Modules, AModuleOfAnotherBuildIsRefused) {
    const int api = 0;
    const modules::ModuleHeader other_build{modules::kModuleHeaderLayout, "test", FM_VERSION,
                                            "0000000000000000", &api};
    try {
        modules::provide_module(&other_build);
        FAIL() << "accepted";
    } catch (const modules::ModuleError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("built for flowmeterd " FM_VERSION " build 0000000000000000"),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("build " FM_MODULE_BUILD_ID), std::string::npos) << what;
    }
    const modules::ModuleHeader other_version{modules::kModuleHeaderLayout, "test", "0.0.0-x",
                                              FM_MODULE_BUILD_ID, &api};
    EXPECT_THROW(modules::provide_module(&other_version), modules::ModuleError);
    const modules::ModuleHeader other_layout{modules::kModuleHeaderLayout + 1, "test", FM_VERSION,
                                             FM_MODULE_BUILD_ID, &api};
    EXPECT_THROW(modules::provide_module(&other_layout), modules::ModuleError);
    EXPECT_THROW(modules::provide_module(nullptr), modules::ModuleError);
    // None of them was taken: the name still has to be found as a file.
    EXPECT_THROW(modules::load_module("test"), modules::ModuleError);
}

TEST(Modules, AMissingModuleNamesEveryPathTried) {
    const std::vector<std::string> dirs = modules::module_dirs();
    ASSERT_EQ(dirs.size(), 2u);  // this program's directory, then the install directory
    EXPECT_EQ(dirs.back(), FM_MODULE_DIR);
    try {
        modules::load_module("no-such");
        FAIL() << "loaded";
    } catch (const modules::ModuleError& e) {
        const std::string what = e.what();
        for (const std::string& dir : dirs) {
            EXPECT_NE(what.find(dir + "/flowmeterd-no-such.so: "), std::string::npos) << what;
        }
    }
    EXPECT_EQ(modules::find_module_file("no-such"), "");
}

TEST(Modules, VersionLineNamesEveryModule) {
    const std::string line = describe_modules();
    EXPECT_EQ(line.rfind("modules: dpdk (", 0), 0u) << line;
    EXPECT_NE(line.find(", kafka ("), std::string::npos) << line;
    EXPECT_NE(line.find(", metrics ("), std::string::npos) << line;
}

#ifdef FM_HAVE_KAFKA

/// The message load_needed_modules() throws for `yaml` (validated first), or "".
std::string start_error(const std::string& yaml) {
    config::LoadedConfig c =
        config::parse_config_text("capture:\n  files: [in.pcap]\n" + yaml, "k.yaml");
    try {
        config::validate(c.config, c.origins, config::BuildFeatures{});
        load_needed_modules(c.config, c.origins);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return {};
}

TEST(Modules, LibrdkafkaJudgesEveryKafkaProperty) {
    // This program links the module in (there is no module file beside it).
    modules::provide_module(flowmeterd_module_kafka());
    const std::string head =
        "output:\n  sinks: [kafka]\n  kafka:\n    brokers: [\"h:9092\"]\n    properties:\n";
    std::string e = start_error(head + "      no.such.thing: \"1\"\n");
    EXPECT_EQ(e.rfind("k.yaml:8: output.kafka.properties.no.such.thing: ", 0), 0u) << e;
    e = start_error(head + "      compression.codec: \"lz5\"\n");
    EXPECT_EQ(e.rfind("k.yaml:8: output.kafka.properties.compression.codec: ", 0), 0u) << e;
    // A rule between properties, checked by rd_kafka_new.
    e = start_error(head + "      acks: \"1\"\n");
    EXPECT_NE(e.find("output.kafka.properties: "), std::string::npos) << e;
    EXPECT_EQ(start_error(head + "      acks: all\n      linger.ms: \"5\"\n"), "");
}

#endif  // FM_HAVE_KAFKA

}  // namespace
}  // namespace fm::daemon
