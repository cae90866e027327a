// SPDX-License-Identifier: BSD-3-Clause
#include "output/kafka_spool.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "output/rotating_csv_writer.hpp"

namespace fm::output {
namespace {

namespace fs = std::filesystem;

class KafkaSpoolTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fm-spool-" + std::to_string(getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        path_ = (dir_ / "flows.kafka-spool").string();
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::vector<std::string> drain(KafkaSpool& s) {
        std::vector<std::string> out;
        while (const SpoolView* v = s.peek()) {
            out.push_back(std::string(v->headers->sensor_id) + "|" +
                          (v->key ? std::string(*v->key) : "<null>") + "|" + std::string(v->value));
            s.advance();
        }
        return out;
    }

    fs::path dir_;
    std::string path_;
    const SpoolHeaders a_{"s1", "fixed", "h1"};
    const SpoolHeaders b_{"s2", "v4", ""};
};

TEST_F(KafkaSpoolTest, ReplaysInOrderWithTheirHeadersAndEmptiesTheFile) {
    KafkaSpool s(path_, 1 << 20);
    EXPECT_TRUE(s.empty());
    ASSERT_TRUE(s.append(a_, std::string_view("k1"), "v1"));
    ASSERT_TRUE(s.append(b_, std::nullopt, "v2"));
    ASSERT_TRUE(s.append(a_, std::string_view(""), "v3"));
    EXPECT_EQ(s.messages(), 3u);
    EXPECT_EQ(drain(s), (std::vector<std::string>{"s1|k1|v1", "s2|<null>|v2", "s1||v3"}));
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.messages(), 0u);
    EXPECT_LT(fs::file_size(path_), 64u);  // cut back once everything was replayed
}

// The bound is output.kafka.spool_max_bytes (KafkaSink passes it to the spool).
TEST_F(KafkaSpoolTest, RefusesBeyondItsSize) {
    KafkaSpool s(path_, 200);
    int kept = 0;
    while (s.append(a_, std::nullopt, std::string(40, 'x'))) {
        ++kept;
    }
    EXPECT_GT(kept, 0);
    EXPECT_LE(s.bytes(), 200u);
    EXPECT_EQ(s.messages(), static_cast<std::uint64_t>(kept));
}

// A stop that meets a full spool keeps the rows still coming beyond the bound, in order.
TEST_F(KafkaSpoolTest, KeepsRowsBeyondItsSizeWhenAStopAsks) {
    KafkaSpool s(path_, 200);
    std::vector<std::string> expected;
    while (s.append(a_, std::nullopt, std::to_string(expected.size()) + std::string(40, 'x'))) {
        expected.push_back("s1|<null>|" + std::to_string(expected.size()) + std::string(40, 'x'));
    }
    for (int i = 0; i < 3; ++i) {
        const std::string value = "late" + std::to_string(i);
        ASSERT_TRUE(s.append(a_, std::string_view("k"), value, true));
        expected.push_back("s1|k|" + value);
    }
    EXPECT_GT(s.bytes(), 200u);
    EXPECT_EQ(s.messages(), expected.size());
    EXPECT_FALSE(s.append(a_, std::nullopt, "refused again without the stop"));
    EXPECT_EQ(drain(s), expected);
}

TEST_F(KafkaSpoolTest, SurvivesARestartAndDropsATornTail) {
    {
        KafkaSpool s(path_, 1 << 20);
        ASSERT_TRUE(s.append(a_, std::string_view("k1"), "v1"));
        ASSERT_TRUE(s.append(a_, std::string_view("k2"), "v2"));
        ASSERT_EQ(s.flush(), 0);
    }
    {
        std::ofstream f(path_, std::ios::app | std::ios::binary);
        f << "M\x05";  // a record cut short by a crash
    }
    KafkaSpool s(path_, 1 << 20);
    EXPECT_EQ(s.messages(), 2u);
    EXPECT_EQ(drain(s), (std::vector<std::string>{"s1|k1|v1", "s1|k2|v2"}));
}

TEST_F(KafkaSpoolTest, RewritePutsTakenBackMessagesFirst) {
    KafkaSpool s(path_, 1 << 20);
    ASSERT_TRUE(s.append(a_, std::string_view("k1"), "spooled1"));
    ASSERT_TRUE(s.append(a_, std::string_view("k2"), "spooled2"));
    ASSERT_TRUE(s.append(a_, std::string_view("k3"), "spooled3"));
    // The first was replayed before the stop.
    ASSERT_NE(s.peek(), nullptr);
    s.advance();
    const std::vector<SpoolMessage> back = {{std::string("q1"), "queued1", b_},
                                            {std::nullopt, "queued2", b_}};
    ASSERT_EQ(s.rewrite(back), 0);
    KafkaSpool again(path_, 1 << 20);
    EXPECT_EQ(again.messages(), 4u);
    EXPECT_EQ(drain(again), (std::vector<std::string>{"s2|q1|queued1", "s2|<null>|queued2",
                                                      "s1|k2|spooled2", "s1|k3|spooled3"}));
}

TEST_F(KafkaSpoolTest, RejectsAFileThatIsNotASpool) {
    std::ofstream(path_) << "something else\n";
    EXPECT_THROW(KafkaSpool(path_, 1 << 20), OutputError);
}

}  // namespace
}  // namespace fm::output
