// Records the largest single heap allocation of the test process, to prove that a limit is enforced before memory
// is allocated (a header announcing 100 MiB must not cost 100 MiB). allocation_probe.cpp replaces the global
// operator new/delete; compile it into a test executable's SOURCES (not into a library, where the linker could
// leave it out).
#pragma once

#include <cstddef>

namespace kmip::net::testing {

// Forgets what was recorded so far.
void reset_largest_allocation() noexcept;
// The largest size passed to operator new (any form) since the last reset, on any thread.
std::size_t largest_allocation() noexcept;

}  // namespace kmip::net::testing
