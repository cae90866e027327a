// SPDX-License-Identifier: BSD-3-Clause
// kafka-mock-cluster: librdkafka's built-in mock Kafka cluster (rdkafka_mock.h) as a test
// fixture. Starts BROKERS brokers on 127.0.0.1, creates the topics asked for, prints the
// bootstrap servers on one line of stdout, and serves until SIGTERM or SIGINT.
// SIGUSR1 takes every broker down (connections closed, new ones refused), SIGUSR2 brings them
// back up; each prints "down" or "up" on stdout once done, so a test can wait for it.
//
// usage: kafka-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char** argv) {
    int brokers = 3;
    std::vector<std::pair<std::string, int>> topics;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--brokers" && i + 1 < argc) {
            brokers = std::atoi(argv[++i]);
        } else if (a == "--topic" && i + 1 < argc) {
            const std::string t = argv[++i];
            const auto colon = t.rfind(':');
            if (colon == std::string::npos || colon == 0) {
                std::fprintf(stderr, "kafka-mock-cluster: --topic NAME:PARTITIONS, got %s\n",
                             t.c_str());
                return 64;
            }
            topics.emplace_back(t.substr(0, colon), std::atoi(t.c_str() + colon + 1));
        } else {
            std::fprintf(stderr,
                         "usage: kafka-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...\n");
            return 64;
        }
    }
    if (brokers < 1) {
        std::fprintf(stderr, "kafka-mock-cluster: --brokers must be at least 1\n");
        return 64;
    }

    // Block the signals before librdkafka starts its threads, so only sigwait sees them.
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) {
        sigaddset(&set, s);
    }
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == nullptr) {
        std::fprintf(stderr, "kafka-mock-cluster: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (mc == nullptr) {
        std::fprintf(stderr, "kafka-mock-cluster: could not start the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    for (const auto& [name, partitions] : topics) {
        const rd_kafka_resp_err_t e =
            rd_kafka_mock_topic_create(mc, name.c_str(), partitions, std::min(brokers, 3));
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::fprintf(stderr, "kafka-mock-cluster: topic %s: %s\n", name.c_str(),
                         rd_kafka_err2str(e));
            return 1;
        }
    }
    std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    std::fflush(stdout);

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) {
            continue;
        }
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            for (int id = 1; id <= brokers; ++id) {
                if (sig == SIGUSR1) {
                    rd_kafka_mock_broker_set_down(mc, id);
                } else {
                    rd_kafka_mock_broker_set_up(mc, id);
                }
            }
            std::printf("%s\n", sig == SIGUSR1 ? "down" : "up");
            std::fflush(stdout);
            continue;
        }
        break;
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
