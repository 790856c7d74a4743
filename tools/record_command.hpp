// `kmip-harness record --listen ADDR --upstream HOST:PORT --ca F --cert F --key F --server-cert F
// --server-key F --client-ca F --out TRACE`: the recording proxy (kmip/traffic/record_proxy.hpp) until SIGINT or
// SIGTERM; and `kmip-harness record --import LOG --out TRACE`: a PyKMIP server log turned into a trace
// (docs/trace-format.md).
#pragma once

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

void add_record_command(CLI::App& app, action& chosen);

}  // namespace kmiph::tools
