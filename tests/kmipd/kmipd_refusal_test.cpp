// Issue 3's refusals against the real kmipd process: bad input over TLS (malformed, truncated, over-limit
// messages) and TLS refusals (no client certificate, another CA, an expired certificate, TLS 1.1). Each is answered
// with a KMIP error (Invalid Message) or a clean close, while a healthy client on another connection keeps being
// served before, between and after, kmipd stays up, and nothing stored is lost.
#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "kmip/client/client.hpp"
#include "kmip/client/typed.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "tests/kmipd/http_get.hpp"
#include "tests/kmipd/kmipd_process.hpp"
#include "tests/kmipd/raw_tls.hpp"

namespace tests::kmipd {
namespace {

using namespace std::chrono_literals;
namespace spec = kmip::spec;
namespace ttlv = kmip::ttlv;
namespace model = kmip::model;
using bytes = std::vector<std::uint8_t>;

bytes unhex(std::string_view h) {
  std::string compact;
  for (char ch : h)
    if (std::isxdigit(static_cast<unsigned char>(ch))) compact += ch;
  return common::from_hex(compact).value();
}

// A client on its own connection that must keep being served while others misbehave.
class healthy_client {
 public:
  explicit healthy_client(const kmipd_process& kms) : raw_(kmip::client::connection(client_options(kms))), c_(raw_) {}

  ::testing::AssertionResult connect_and_create() {
    auto connected = raw_.conn().connect();
    if (!connected) return ::testing::AssertionFailure() << "healthy client: " << connected.error().to_string();
    auto id = c_.create_symmetric_key();
    if (!id) return ::testing::AssertionFailure() << "healthy client Create: " << id.error().to_string();
    id_ = *id;
    auto got = material();
    if (!got) return ::testing::AssertionFailure() << "healthy client Get: " << got.error().to_string();
    material_ = *got;
    return ::testing::AssertionSuccess();
  }

  // Get of its key on the same (long-lived) connection, material unchanged; and Discover Versions.
  ::testing::AssertionResult still_served(const std::string& when) {
    auto got = material();
    if (!got) return ::testing::AssertionFailure() << when << ": healthy client Get: " << got.error().to_string();
    if (*got != material_) return ::testing::AssertionFailure() << when << ": the key's material changed";
    auto versions = raw_.discover_versions();
    if (!versions) return ::testing::AssertionFailure() << when << ": Discover Versions: " << versions.error().to_string();
    return ::testing::AssertionSuccess();
  }

  const std::string& id() const { return id_; }
  const bytes& key() const { return material_; }
  void close() { raw_.conn().close(); }

 private:
  kmip::client::result<bytes> material() {
    auto got = c_.get(id_);
    if (!got) return common::unexpected{got.error()};
    const auto* key = std::get_if<model::symmetric_key>(&got->object);
    if (!key || !key->key_block.raw_key_material())
      return common::unexpected{kmip::client::client_error{kmip::client::errc::protocol, "no raw key"}};
    const auto& m = *key->key_block.raw_key_material();
    return bytes(m.begin(), m.end());
  }

  kmip::client::client raw_;
  kmip::client::typed_client c_;
  std::string id_;
  bytes material_;
};

// Discover Versions, KMIP 1.1, no versions offered: vCenter's first request on every connection.
bytes discover_versions_request() {
  auto encoded = ttlv::encode(kmip::client::make_request({1, 1}, spec::operation::discover_versions, {}));
  return bytes(encoded->begin(), encoded->end());
}

// "Success", or the Result Reason of the first batch item of a response message, or why there is none.
std::string result_reason_of(std::span<const std::uint8_t> message) {
  auto tree = ttlv::decode_message(message);
  if (!tree) return "(response does not decode: " + common::to_hex(message) + ")";
  for (auto item : tree->root().children()) {
    if (!item.is(spec::tag::batch_item)) continue;
    auto status = item.find(spec::tag::result_status);
    if (status && status->as_enumeration() == static_cast<std::uint32_t>(spec::result_status::success))
      return "Success";
    auto reason = item.find(spec::tag::result_reason);
    if (!reason) return "(no Result Reason)";
    if (reason->as_enumeration() == static_cast<std::uint32_t>(spec::result_reason::invalid_message))
      return "Invalid Message";
    return "Result Reason " + std::to_string(reason->as_enumeration());
  }
  return "(no batch item)";
}

struct bad_input {
  std::string name;
  bytes data;
  bool half_close = false;        // then shut down our sending side (the message stays cut short)
  bool response_required = true;  // false: a clean close is as good as an Invalid Message response
};

std::vector<bad_input> bad_inputs() {
  std::vector<bad_input> v;
  // Not KMIP at all: an HTTP request on the KMIP port. Its first 8 bytes are no TTLV header.
  const std::string http = "GET / HTTP/1.1\r\nHost: kmipd\r\n\r\n";
  v.push_back({"HTTP request on the KMIP port", bytes(http.begin(), http.end())});
  // A Request Message header announcing 1 MiB + 8 bytes: one past max_message_size with the 8-byte header.
  v.push_back({"over-limit: announces 1 MiB + 16 bytes", unhex("42 00 78 | 01 | 00 10 00 08 | 42 00 77 01 00 00 00 00")});
  // Request Message | Structure | 16 bytes, holding an item of item type 0x0F (no such type).
  v.push_back({"malformed: unknown item type", unhex("42 00 78 | 01 | 00 00 00 10 | 42 00 77 | 0F | 00 00 00 08 |"
                                                      " 00 00 00 00 00 00 00 00")});
  // Request Message of 16 bytes holding a Request Header that claims 0x40 bytes: truncated inside.
  v.push_back({"truncated inside: Request Header longer than the message",
               unhex("42 00 78 | 01 | 00 00 00 10 | 42 00 77 | 01 | 00 00 00 40 | 42 00 69 01 00 00 00 00")});
  // A valid-looking Request Message with a Request Header but no batch item and no Batch Count.
  v.push_back({"malformed: Request Header without Protocol Version, no batch item",
               unhex("42 00 78 | 01 | 00 00 00 08 | 42 00 77 | 01 | 00 00 00 00")});
  // 40 nested structures (the decoder's depth limit is 32) in a small message.
  {
    bytes deep;
    const int depth = 40;
    for (int i = 0; i < depth; ++i) {
      const std::uint32_t len = static_cast<std::uint32_t>(8 * (depth - 1 - i));
      const bytes header = {0x42, 0x00, static_cast<std::uint8_t>(i == 0 ? 0x78 : 0x77), 0x01,
                            static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                            static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
      deep.insert(deep.end(), header.begin(), header.end());
    }
    v.push_back({"over-limit: 40 nested structures", deep});
  }
  // Half a message, then our side closes: kmipd reads end-of-stream mid-message.
  v.push_back({"truncated: half a Discover Versions request, then EOF",
               unhex("42 00 78 | 01 | 00 00 00 60 | 42 00 77 01 00 00 00 38 42 00 69 01 00 00 00 20"),
               /*half_close=*/true, /*response_required=*/false});
  return v;
}

TEST(KmipdRefusalTest, BadInputOverTlsGetsInvalidMessageOrACleanCloseWhileAHealthyClientIsServed) {
  auto kms = kmipd_process::create();
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;

  // Keys stored before the bad input; a healthy client on its own connection throughout.
  std::vector<std::string> stored;
  {
    kmip::client::client raw{kmip::client::connection(client_options(**kms))};
    ASSERT_TRUE(raw.conn().connect());
    kmip::client::typed_client c{raw};
    for (int i = 0; i < 3; ++i) {
      auto id = c.create_symmetric_key();
      ASSERT_TRUE(id) << id.error().to_string();
      stored.push_back(*id);
    }
    raw.conn().close();
  }
  healthy_client healthy(**kms);
  ASSERT_TRUE(healthy.connect_and_create());
  ASSERT_TRUE(healthy.still_served("before the bad input"));

  for (const auto& bad : bad_inputs()) {
    SCOPED_TRACE(bad.name);
    auto conn = raw_tls::connect((*kms)->kmip_port(), client_options(**kms).tls, 5000ms);
    ASSERT_TRUE(conn) << conn.error();
    auto wrote = (*conn)->write(bad.data, 5000ms);
    ASSERT_TRUE(wrote) << wrote.error();
    if (bad.half_close) (*conn)->shutdown_send();

    auto first = (*conn)->read_message(5000ms);
    if (first.what == raw_tls::reading::kind::message) {
      EXPECT_EQ(result_reason_of(first.bytes), "Invalid Message") << common::to_hex(first.bytes);
      // Then kmipd either has closed the connection or serves it on: a well-formed request gets its own answer,
      // and nothing else (no stray bytes of the bad message) comes first.
      const auto probe = discover_versions_request();
      auto wrote_probe = (*conn)->write(probe, 5000ms);
      auto second = (*conn)->read_message(5000ms);
      if (second.what == raw_tls::reading::kind::message) {
        EXPECT_TRUE(wrote_probe);
        EXPECT_EQ(result_reason_of(second.bytes), "Success") << common::to_hex(second.bytes);
      } else {
        EXPECT_EQ(second.what, raw_tls::reading::kind::closed) << second.detail;
      }
    } else {
      EXPECT_FALSE(bad.response_required)
          << "no KMIP error response: " << first.detail << "\n(an Invalid Message response was expected)";
      EXPECT_EQ(first.what, raw_tls::reading::kind::closed)
          << "neither a KMIP error response nor a clean close: " << first.detail;
    }
    conn->reset();
    ASSERT_TRUE((*kms)->alive()) << "kmipd died on: " << bad.name << "\n" << (*kms)->log();
    ASSERT_TRUE(healthy.still_served("after " + bad.name));
  }

  // Many bad messages at once on parallel connections, the healthy client served meanwhile.
  {
    std::vector<std::unique_ptr<raw_tls>> many;
    const auto inputs = bad_inputs();
    for (int i = 0; i < 8; ++i) {
      auto conn = raw_tls::connect((*kms)->kmip_port(), client_options(**kms).tls, 5000ms);
      ASSERT_TRUE(conn) << conn.error();
      ASSERT_TRUE((*conn)->write(inputs[i % inputs.size()].data, 5000ms));
      many.push_back(std::move(*conn));
      ASSERT_TRUE(healthy.still_served("with " + std::to_string(i + 1) + " bad connections open"));
    }
  }

  EXPECT_TRUE(healthy.still_served("after all bad input"));
  healthy.close();
  ASSERT_TRUE((*kms)->alive()) << (*kms)->log();
  const std::string health = http_get((*kms)->http_port(), "/health");
  EXPECT_NE(health.find("200"), std::string::npos) << health;
  EXPECT_NE(health.find("\"ok\""), std::string::npos) << health;

  // Nothing stored was lost: every key is still there, on a new connection.
  {
    kmip::client::client raw{kmip::client::connection(client_options(**kms))};
    ASSERT_TRUE(raw.conn().connect());
    kmip::client::typed_client c{raw};
    stored.push_back(healthy.id());
    for (const auto& id : stored) EXPECT_TRUE(c.get(id)) << id;
    raw.conn().close();
  }
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

// A refused client: the handshake (TLS 1.2), or the first read after it (TLS 1.3: the server judges the client
// certificate after the client has finished), fails; no KMIP answer ever arrives.
::testing::AssertionResult refused(kmip::client::connection_options o) {
  kmip::client::client k{kmip::client::connection(std::move(o))};
  auto connected = k.conn().connect();
  if (!connected) {
    if (connected.error().category != kmip::client::errc::tls_handshake)
      return ::testing::AssertionFailure() << "refused, but not by TLS: " << connected.error().to_string();
    return ::testing::AssertionSuccess() << connected.error().to_string();
  }
  auto versions = k.discover_versions();
  if (versions) return ::testing::AssertionFailure() << "served: " << k.conn().tls_session();
  if (versions.error().category != kmip::client::errc::tls_handshake &&
      versions.error().category != kmip::client::errc::closed_by_peer)
    return ::testing::AssertionFailure() << "refused, but not by TLS: " << versions.error().to_string();
  return ::testing::AssertionSuccess() << versions.error().to_string();
}

TEST(KmipdRefusalTest, TlsRefusalsWhileAHealthyClientKeepsWorking) {
  auto kms = kmipd_process::create();
  ASSERT_TRUE(kms) << kms.error();
  auto started = (*kms)->start();
  ASSERT_FALSE(started) << *started;
  const auto& pki = (*kms)->pki();

  healthy_client healthy(**kms);
  ASSERT_TRUE(healthy.connect_and_create());

  struct refusal {
    std::string name;
    std::filesystem::path cert, key;  // empty cert: none presented
    std::string alert;                // the TLS alert kmipd sends
  };
  const refusal refusals[] = {
      {"no client certificate", {}, {}, "certificate required"},
      {"certificate from another CA", pki.untrusted_client_cert, pki.untrusted_client_key, "unknown ca"},
      {"expired certificate", pki.expired_client_cert, pki.client_key, "certificate expired"},
      {"self-signed certificate nobody pinned", pki.self_signed_cert, pki.self_signed_key, "unknown ca"},
  };
  for (const auto version : {kmip::net::tls_version::v1_3, kmip::net::tls_version::v1_2}) {
    for (const auto& r : refusals) {
      const std::string what = r.name + " over " + std::string(kmip::net::to_string(version));
      auto o = client_options(**kms, r.cert, r.key);
      if (r.cert.empty()) {
        o.tls.cert_file.clear();
        o.tls.key_file.clear();
      }
      o.tls.protocol.min_version = o.tls.protocol.max_version = version;
      auto verdict = refused(o);
      EXPECT_TRUE(verdict) << what;
      // TLS 1.2 names no "certificate required" alert: a missing certificate is a handshake failure there.
      const std::string alert =
          version == kmip::net::tls_version::v1_2 && r.cert.empty() ? "handshake failure" : r.alert;
      EXPECT_NE(std::string(verdict.message()).find(alert), std::string::npos) << what << ": " << verdict.message();
      ASSERT_TRUE(healthy.still_served("after a client with " + what));
    }
  }
  {
    auto old = raw_tls::connect_tls11((*kms)->kmip_port(), pki, 5000ms);
    if (old) {
      // Should the handshake pass, kmipd must still not serve the connection.
      auto read = (*old)->read_message(2000ms);
      EXPECT_NE(read.what, raw_tls::reading::kind::message);
      ADD_FAILURE() << "a TLS 1.1 handshake with kmipd succeeded";
    } else {
      EXPECT_NE(old.error().find("handshake"), std::string::npos) << old.error();
      RecordProperty("tls_1_1", old.error());
    }
  }
  ASSERT_TRUE(healthy.still_served("after a TLS 1.1 client"));

  // A vCenter-style certificate without any EKU, from the trusted CA, is accepted (docs/kmipd.md).
  {
    kmip::client::client k{kmip::client::connection(client_options(**kms, pki.client_no_eku_cert, pki.client_no_eku_key))};
    auto connected = k.conn().connect();
    ASSERT_TRUE(connected) << connected.error().to_string();
    auto versions = k.discover_versions();
    EXPECT_TRUE(versions) << versions.error().to_string();
    k.conn().close();
  }
  ASSERT_TRUE(healthy.still_served("at the end"));
  healthy.close();
  ASSERT_TRUE((*kms)->alive()) << (*kms)->log();
  auto stopped = (*kms)->stop();
  EXPECT_EQ(stopped.value_or("not running"), "exit 0") << (*kms)->log();
}

}  // namespace
}  // namespace tests::kmipd
