// Names of error codes and the one-line rendering of an error.
#include "esxi_sim/error.hpp"

namespace esxi_sim {

std::string_view to_string(errc c) noexcept {
  switch (c) {
    case errc::invalid_argument: return "invalid argument";
    case errc::bad_state: return "bad state";
    case errc::locked: return "locked";
    case errc::corrupt: return "corrupt";
    case errc::io: return "I/O error";
    case errc::crypto: return "crypto error";
    case errc::injected_fault: return "injected fault";
    case errc::not_found: return "not found";
  }
  return "unknown";
}

std::string error::message() const {
  std::string m{to_string(code)};
  m += ": ";
  if (!file.empty()) {
    m += file;
    m += ": ";
  }
  m += what;
  return m;
}

}  // namespace esxi_sim
