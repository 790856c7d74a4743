// Interop with an implementation nobody here wrote: Debian's PyKMIP 0.10 server (python3-pykmip), started on an
// ephemeral port with certificates generated for the test, asked Discover Versions by our client.
//
// The server fixture and its pitfalls: tests/support/pykmip_server.hpp.
//
// If the server cannot be started, the test fails with the server's log; it never skips.
#include <gtest/gtest.h>


#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "tests/pki/pki.hpp"
#include "tests/support/pykmip_server.hpp"

namespace kmip::client {
namespace {

using namespace std::chrono_literals;
using tests::pki::key_type;

class PyKmipInteropTest : public ::testing::Test {
 protected:
  // Starts a PyKMIP server with the given certificates; fails the test (with the log) if it does not come up.
  void start_server(key_type keys) {
    auto dir = tests::pki::temp_dir::create("kmip-pykmip");
    ASSERT_TRUE(dir) << dir.error();
    dir_.emplace(std::move(*dir));
    auto pki = tests::pki::generate(dir_->path() / "pki", keys);
    ASSERT_TRUE(pki) << pki.error();
    pki_ = *pki;
    server_ = std::make_unique<tests::pykmip::server>();
    const auto failure = server_->start_with_retries(pki_, dir_->path(), 30s);
    ASSERT_FALSE(failure) << *failure;
  }

  connection_options options() const {
    connection_options o;
    o.host = "127.0.0.1";
    o.port = server_->port();
    o.tls = net::testing::client_options(pki_);
    o.connect_timeout = 10s;
    o.io_timeout = 10s;
    return o;
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      RecordProperty("pykmip_stopped_by_sigint", server_->stopped_gracefully() ? "yes" : "no (SIGKILL)");
      if (HasFailure()) std::cerr << server_->logs();
    }
    server_.reset();
    dir_.reset();
  }

  std::optional<tests::pki::temp_dir> dir_;
  tests::pki::files pki_;
  std::unique_ptr<tests::pykmip::server> server_;
};

// PyKMIP 0.10's engine lists these, newest first (kmip/services/server/engine.py, _protocol_versions).
const std::vector<spec::protocol_version> pykmip_versions = {{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};

TEST_F(PyKmipInteropTest, DiscoverVersionsWithEcCertificatesAndDefaultSuites) {
  ASSERT_NO_FATAL_FAILURE(start_server(key_type::ec_p256));
  client k{connection(options())};
  auto connected = k.conn().connect();
  ASSERT_TRUE(connected) << connected.error().to_string();
  // PyKMIP's TLS1.2 suite: TLS 1.2 only; with an ECDSA certificate an ECDHE-ECDSA AES-GCM suite is shared.
  EXPECT_EQ(k.conn().tls_session().rfind("TLSv1.2 ECDHE-ECDSA-AES", 0), 0u) << k.conn().tls_session();

  auto versions = k.discover_versions();
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_NE(std::find(versions->begin(), versions->end(), spec::protocol_version{1, 1}), versions->end());
  EXPECT_NE(std::find(versions->begin(), versions->end(), spec::protocol_version{1, 2}), versions->end());
  EXPECT_EQ(*versions, pykmip_versions);

  // Offering versions: the server answers with those it supports.
  auto some = k.discover_versions({{1, 2}, {3, 0}, {1, 1}});
  ASSERT_TRUE(some) << some.error().to_string();
  EXPECT_EQ(*some, (std::vector<spec::protocol_version>{{1, 2}, {1, 1}}));
  k.conn().close();
}

TEST_F(PyKmipInteropTest, RsaCertificatesNeedACbcSuiteLikeVcenters) {
  ASSERT_NO_FATAL_FAILURE(start_server(key_type::rsa_2048));
  {
    // Our default suites (ECDHE + AEAD) and PyKMIP's RSA suites (CBC) have nothing in common.
    client k{connection(options())};
    auto connected = k.conn().connect();
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error().category, errc::tls_handshake) << connected.error().to_string();
  }
  // Allowing AES128-SHA256, as vCenter 7.0.3 negotiated it against PyKMIP (reference/vcenter-kmip.md §3).
  connection_options o = options();
  o.tls.protocol.allow_aes128_sha256 = true;
  client k{connection(o)};
  auto connected = k.conn().connect();
  ASSERT_TRUE(connected) << connected.error().to_string();
  EXPECT_EQ(k.conn().tls_session(), "TLSv1.2 AES128-SHA256");
  auto versions = k.discover_versions();
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_EQ(*versions, pykmip_versions);
  k.conn().close();
}

// The typed helpers against an independent server: a key's whole life, as vCenter and the harness drive it.
TEST_F(PyKmipInteropTest, TypedHelpersDriveAKeyThroughItsLife) {
  ASSERT_NO_FATAL_FAILURE(start_server(key_type::ec_p256));
  client k{connection(options())};
  ASSERT_TRUE(k.conn().connect());
  typed_client t{k};

  auto id = t.create_symmetric_key();  // AES-256, Encrypt|Decrypt: vCenter's Create
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_FALSE(id->empty());

  // vCenter Gets before it Activates: the key is Pre-Active and its material is there.
  auto key = t.get(*id);
  ASSERT_TRUE(key) << key.error().to_string();
  EXPECT_EQ(key->unique_identifier, *id);
  EXPECT_EQ(key->object_type, spec::object_type::symmetric_key);

  auto state = t.get_attributes(*id, {"State"});
  ASSERT_TRUE(state) << state.error().to_string();
  ASSERT_EQ(state->size(), 1u);
  EXPECT_EQ(state->front().enum_value<spec::state>(), spec::state::pre_active);

  auto names = t.get_attribute_list(*id);
  ASSERT_TRUE(names) << names.error().to_string();
  EXPECT_NE(std::find(names->begin(), names->end(), "Cryptographic Algorithm"), names->end());

  ASSERT_TRUE(t.activate(*id));
  state = t.get_attributes(*id, {"State"});
  ASSERT_TRUE(state);
  EXPECT_EQ(state->front().enum_value<spec::state>(), spec::state::active);

  auto found = t.locate({model::attr::object_type(spec::object_type::symmetric_key)});
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_NE(std::find(found->begin(), found->end(), *id), found->end());

  // Destroying an Active key fails with the server's reason; revoke first, then destroy.
  auto refused = t.destroy(*id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().category, errc::operation_failed);
  EXPECT_EQ(refused.error().result_status, spec::result_status::operation_failed);

  ASSERT_TRUE(t.revoke(*id, spec::revocation_reason_code::cessation_of_operation));
  auto destroyed = t.destroy(*id);
  ASSERT_TRUE(destroyed) << destroyed.error().to_string();

  auto gone = t.get("no-such-key");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().result_reason, spec::result_reason::item_not_found) << gone.error().to_string();
  k.conn().close();
}

}  // namespace
}  // namespace kmip::client
