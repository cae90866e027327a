// SPDX-License-Identifier: BSD-3-Clause
#include "output/kafka_message.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fm::output {
namespace {

constexpr std::string_view kHeader =
    "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Bytes/s,Mean,Label";

TEST(KafkaRowEncoder, CsvValueIsTheRow) {
    const KafkaRowEncoder enc(kHeader, false);
    std::string out = "old";
    enc.value("a,b", out);
    EXPECT_EQ(out, "a,b");
}

TEST(KafkaRowEncoder, JsonTypesNumbersAndKeepsNanAsStrings) {
    const KafkaRowEncoder enc(kHeader, true);
    std::string out;
    enc.value(
        "10.0.0.2-10.0.0.1-80-5555-6,10.0.0.1,5555,10.0.0.2,80,6,2024-01-01 00:00:00,"
        "NaN,1.0E7,0",
        out);
    EXPECT_EQ(out,
              "{\"Flow ID\":\"10.0.0.2-10.0.0.1-80-5555-6\",\"Src IP\":\"10.0.0.1\","
              "\"Src Port\":5555,\"Dst IP\":\"10.0.0.2\",\"Dst Port\":80,\"Protocol\":6,"
              "\"Timestamp\":\"2024-01-01 00:00:00\",\"Flow Bytes/s\":\"NaN\","
              "\"Mean\":1.0E7,\"Label\":\"0\"}");
    enc.value("x,1.1.1.1,1,2.2.2.2,2,17,t,Infinity,-Infinity,BENIGN", out);
    EXPECT_NE(out.find("\"Flow Bytes/s\":\"Infinity\",\"Mean\":\"-Infinity\""), std::string::npos)
        << out;
}

TEST(KafkaRowEncoder, JsonNumberGrammar) {
    for (const char* yes : {"0", "-0.0", "42", "3.7187499999999996", "1.0E7", "2e-5"}) {
        EXPECT_TRUE(KafkaRowEncoder::is_json_number(yes)) << yes;
    }
    for (const char* no : {"", "-", "01", "1.", ".5", "NaN", "Infinity", "1e", "0x10", "1,2"}) {
        EXPECT_FALSE(KafkaRowEncoder::is_json_number(no)) << no;
    }
}

TEST(KafkaRowEncoder, JsonEscapesStrings) {
    std::string out;
    append_json_string("a\"b\\c\n", out);
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000a\"");
}

TEST(KafkaRowEncoder, FlowKeyIsTheSameForBothDirections) {
    std::string a;
    std::string b;
    KafkaRowEncoder::flow_key("id,10.0.0.1,5555,10.0.0.2,80,6,t", a);
    KafkaRowEncoder::flow_key("id,10.0.0.2,80,10.0.0.1,5555,6,t", b);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, "10.0.0.1-10.0.0.2-5555-80-6");
    KafkaRowEncoder::flow_key("id,10.0.0.1,5555,10.0.0.2,80,17,t", b);
    EXPECT_NE(a, b);  // the protocol is part of the key
    KafkaRowEncoder::flow_key("id,10.0.0.1,5556,10.0.0.2,80,6,t", b);
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace fm::output
