// vCenter's Standard Key Provider: a KMS cluster of one or more servers, and vCenter's KMIP conversation with it
// (reference/vcenter-kmip.md §1–§3), as the selected profile sends it.
//
// Connections: every logical task (create a key, tag it, fetch it, a health poll) opens a fresh TLS connection,
// sends an EMPTY Discover Versions with a 1.1 header and no Unique Batch Item ID, then the task's requests, then
// closes (W1: short connections, one task each). Servers are tried in the configured order; a server that cannot be
// connected to, or whose connection fails mid-task (transport error, not a KMIP failure), is skipped and the whole
// task is retried on the next one (KB1: "Failed to generate key on KMS <IP1> ... <IP2>"). When no server serves the
// task the result is key_state::cluster_unreachable. Every wait is bounded by connect_timeout and io_timeout.
// `run_parallel` runs several tasks on their own connections at once (vCenter's s52/s53 overlap).
//
// Messages: built with kmip::model, header Protocol Version 1.1 (whatever Discover Versions lists), Batch Count 1
// except the 3-item AddAttribute batches; Unique Batch Item IDs are "QLKC" + a 32-bit little-endian counter that
// restarts at 1 in every message. vCenter keeps key IDs only: material fetched here is handed to the caller (who
// pushes it to hosts) and never stored by the provider.
//
// Thread safety: the provider's methods may be called from several threads (run_parallel does); the recorder is
// called under a lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/secure.hpp"
#include "kmip/model/message.hpp"
#include "kmip/net/tls_context.hpp"
#include "vcenter_sim/key_state.hpp"
#include "vcenter_sim/profile.hpp"

namespace vcenter_sim {

struct kms_server {
  std::string name;  // as registered in vCenter ("kms-a")
  std::string host;  // IP literal or host name
  std::uint16_t port = 5696;
};

struct key_provider_options {
  std::string name = "kms-cluster";  // the key provider (cluster) ID, stored in every VM's key locator
  std::vector<kms_server> servers;   // tried in this order
  kmip::net::client_tls_options tls;  // CA (the pinned KMS certificate), client certificate and key
  std::optional<std::string> username;  // KMIP Username/Password credential (sent by profile vcenter-8.0)
  std::optional<std::string> password;
  vcenter_sim::profile profile = profile::vcenter_7_0;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{10000};
  unsigned max_parallel_connections = 4;  // run_parallel's width
  std::chrono::microseconds busy_poll{0};  // kmip::client::connection_options::busy_poll of every connection
};

// What one request on the wire was, for recorders (tests, reports): the connection it went on, the server, the
// exact request bytes, and the decoded response (or the transport error).
struct wire_event {
  enum class kind : std::uint8_t { connected, bare_connection, request, connect_failed };
  kind what = kind::request;
  std::uint64_t connection = 0;  // 1, 2, ... in the order connections were opened
  std::size_t server = 0;        // index in key_provider_options::servers
  common::secure_bytes request;  // kind::request: the bytes sent
  std::optional<kmip::model::response_message> response;
  std::string error;  // transport error, connect failure
};
using wire_recorder = std::function<void(const wire_event&)>;

// The identity tags vCenter writes on a key (x-Identifier, x-Component, x-Name).
struct key_tags {
  std::string identifier;  // VM instance UUID or host UUID
  std::string component;   // "Virtual Machine" or "ESXi Server"
  std::string name;        // VM name, or host name/IP
};

struct fetched_key {
  std::string id;
  common::secure_bytes material;  // 32 bytes (AES-256)
  kmip::spec::state state = kmip::spec::state::active;
};

struct server_status {
  std::string name;
  bool reachable = false;
  std::string vendor_identification;  // from Query Server Information
  std::string last_error;
};

class key_provider {
 public:
  explicit key_provider(key_provider_options options);

  const key_provider_options& options() const noexcept { return options_; }
  const std::string& name() const noexcept { return options_.name; }
  void set_recorder(wire_recorder r);

  // Adding the KMS cluster (§2.1): for every server, a connection test (Discover Versions, then Discover Versions
  // with batch ID QLKC 1) and a vendor lookup (Query with only Query Server Information). Succeeds when at least
  // one server answered; statuses() tells each server's verdict and Vendor Identification.
  kms_result<void> add_kms();
  // The 5-minute health poll (§2.1 #4): a bare TLS connection, then Discover Versions + Discover Versions with ID,
  // on every server.
  kms_result<void> health_check();
  std::vector<server_status> statuses() const;

  // Create (§2.2): SymmetricKey, Template-Attribute {AES, Encrypt|Decrypt, 256} in the capture's order. The UID.
  kms_result<std::string> create_key();
  // Tagging (profiles 7.0, 8.0): GetAttributes of x-Product_Version, x-Vendor, x-Product one by one, then one
  // 3-item AddAttribute batch of those absent; then the same for x-Identifier, x-Component, x-Name. Failures are
  // non-fatal for vCenter (W1: PyKMIP refused every batch): they come back only for the caller to log.
  kms_result<void> tag_product(const std::string& id);
  kms_result<void> tag_identity(const std::string& id, const key_tags& tags);
  // Fetch (§2.3): Get (UID only), GetAttributes(State), and Activate when Pre-Active. Errors: missing_in_kms
  // (Get refused: Item Not Found, destroyed, permission), not_active_or_enabled (State neither Active nor
  // Pre-Active, or Activate refused), cluster_unreachable.
  kms_result<fetched_key> fetch_key(const std::string& id);
  // A new key the way vCenter makes one for a VM or a host: create, tag product, fetch (activating it), tag
  // identity. The active key's material, to push to hosts.
  kms_result<fetched_key> generate_key(const key_tags& tags);
  // The key's state as vCenter would report it (QueryCryptoKeyStatus): Get + GetAttributes(State), no Activate.
  key_state key_status(const std::string& id);

  // Runs the tasks at once, each on its own connections, at most max_parallel_connections at a time.
  void run_parallel(std::vector<std::function<void()>> tasks);

  // The Unique Batch Item ID vCenter gives the n-th item of a message: "QLKC" + n as 32-bit little-endian.
  static std::vector<std::uint8_t> batch_id(std::uint32_t n);

  class session;

 private:
  // Runs `task` on a fresh connection to the first server that serves it (connect, empty Discover Versions, task).
  template <class T>
  kms_result<T> with_session(const std::function<kms_result<T>(session&)>& task);
  kms_result<void> tag(const std::string& id, const std::vector<std::pair<std::string, std::string>>& attrs);
  void record(const wire_event& e);
  std::uint64_t next_connection();
  void set_status(std::size_t server, bool reachable, std::string error);

  key_provider_options options_;
  mutable std::mutex mutex_;
  wire_recorder recorder_;
  std::uint64_t connections_ = 0;
  std::vector<server_status> statuses_;
  kmip::net::tls_context_ptr tls_;  // loaded once, shared by every connection
  std::string tls_error_;
};

}  // namespace vcenter_sim
