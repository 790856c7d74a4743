// The one error type of esxi_sim (STYLE.md, habit 3: errors are values at the boundaries). Every failure a caller
// can cause or meet (missing key, tampered locator, corrupt file, bad argument) comes back as an `error` naming the
// file involved, if any, and saying what is wrong in words fit for a scenario report.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace esxi_sim {

enum class errc {
  invalid_argument,   // the caller asked for something impossible (offset past the end, bad sector size, ...)
  bad_state,          // the VM is not in a state that allows the operation (e.g. guest I/O while powered off)
  locked,             // a key needed to open the VM is missing, wrong, or its locator fails its integrity check
  corrupt,            // a file on the datastore is truncated or malformed; nothing was overwritten
  io,                 // the operating system refused an operation
  crypto,             // OpenSSL failed in a way the inputs do not explain
  injected_fault,     // a test hook interrupted the operation (crash simulation)
  not_found,          // no such VM, disk, or snapshot
};

std::string_view to_string(errc c) noexcept;

struct error {
  error() = default;
  error(errc c, std::string f, std::string w) : code(c), file(std::move(f)), what(std::move(w)) {}
  errc code = errc::invalid_argument;
  std::string file;  // the file involved, empty when none
  std::string what;  // what is wrong, one sentence

  // "locked: vm1/descriptor.json: KEK 'k1' is not in the host key cache"
  std::string message() const;
};

template <class T>
using result = common::expected<T, error>;

inline common::unexpected<error> fail(errc c, std::string file, std::string what) {
  return common::unexpected<error>{error{c, std::move(file), std::move(what)}};
}

}  // namespace esxi_sim
