// A replay's connect function over real TLS: each call opens a new kmip::client::connection (blocking mode) to
// the target, and the returned exchange function owns it. Kept apart from replay.hpp so that the engine's
// header stays free of the client's.
#pragma once

#include "kmip/client/connection.hpp"
#include "kmip/traffic/replay.hpp"

namespace kmip::traffic {

connect_fn tls_connector(kmip::client::connection_options options);

}  // namespace kmip::traffic
