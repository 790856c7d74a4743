// `kmip-harness certs --out DIR`: a CA, a kmipd server certificate (serverAuth+clientAuth, SAN localhost and
// 127.0.0.1, also as PKCS#12 with a random password) and a vCenter client certificate and key, ready for
// examples/kms.toml (docs/kmipd.md). The generation is the pki library's (pki/pki.hpp).
#pragma once

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

// Registers `certs` on `app`; when the command line picks it, its action is stored in `chosen`.
void add_certs_command(CLI::App& app, action& chosen);

}  // namespace kmiph::tools
