// SPDX-License-Identifier: BSD-3-Clause
// daemon/signals: SIGHUP asks for a rotation once, the first SIGTERM/SIGINT for a graceful stop,
// the second for a fast one, the third kills; wait() wakes on a signal.
#include "daemon/signals.hpp"

#include <chrono>
#include <csignal>
#include <system_error>

#include <gtest/gtest.h>

namespace fm::daemon {
namespace {

using std::chrono::milliseconds;

TEST(Signals, HupRequestsOneRotation) {
    Signals s;
    EXPECT_FALSE(s.take_rotate_request());
    ASSERT_EQ(raise(SIGHUP), 0);
    ASSERT_EQ(raise(SIGHUP), 0);
    EXPECT_TRUE(s.take_rotate_request());
    EXPECT_FALSE(s.take_rotate_request());
    EXPECT_FALSE(s.stop_requested());
}

TEST(Signals, TermThenIntMeansGracefulThenFast) {
    Signals s;
    EXPECT_FALSE(s.stop_requested());
    ASSERT_EQ(raise(SIGTERM), 0);
    EXPECT_TRUE(s.stop_requested());
    EXPECT_FALSE(s.fast_stop_requested());
    ASSERT_EQ(raise(SIGINT), 0);
    EXPECT_TRUE(s.fast_stop_requested());
    EXPECT_EQ(s.stop_count(), 2);
}

TEST(Signals, WaitWakesOnSignalAndTimesOut) {
    Signals s;
    EXPECT_FALSE(s.wait(milliseconds(10)));
    ASSERT_EQ(raise(SIGHUP), 0);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(s.wait(milliseconds(5000)));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(1000));
    EXPECT_FALSE(s.wait(milliseconds(1)));  // the wake-up was consumed
}

TEST(Signals, StateStartsFreshAndOnlyOneInstance) {
    {
        Signals s;
        ASSERT_EQ(raise(SIGTERM), 0);
        EXPECT_THROW(Signals{}, std::system_error);
    }
    Signals again;
    EXPECT_FALSE(again.stop_requested());
}

TEST(SignalsDeathTest, ThirdStopSignalKills) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            Signals s;
            raise(SIGTERM);
            raise(SIGTERM);
            raise(SIGTERM);
            std::_Exit(0);
        },
        ::testing::KilledBySignal(SIGTERM), "");
}

TEST(SignalsDeathTest, HandlersAreRemovedAfterwards) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    { Signals s; }
    EXPECT_EXIT(
        {
            raise(SIGTERM);
            std::_Exit(0);
        },
        ::testing::KilledBySignal(SIGTERM), "");
}

}  // namespace
}  // namespace fm::daemon
