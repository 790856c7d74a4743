// Names of the network error categories, as they appear in logs and reports.
#include "kmip/net/error.hpp"

namespace kmip::net {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::resolve: return "resolve";
    case errc::connect: return "connect";
    case errc::timeout: return "timeout";
    case errc::closed: return "closed";
    case errc::framing: return "framing";
    case errc::tls: return "tls";
    case errc::io: return "io";
    case errc::config: return "config";
  }
  return "unknown";
}

}  // namespace kmip::net
