// SPDX-License-Identifier: BSD-3-Clause
// The end of a gtest main() for programs whose tests skip where the machine cannot run them
// (no root, no tcpreplay, …).
#pragma once

namespace fm::test_support {

/// RUN_ALL_TESTS()'s result `rc`, except 77 (meson: SKIP) when every test that ran was skipped,
/// which meson would otherwise count as a pass.
int exit_status(int rc);

}  // namespace fm::test_support
