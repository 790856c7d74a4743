// kmip::client::client against the in-process TLS responder: the request it builds (checked item by item on the
// server side), Discover Versions parsing, and KMIP-level failures mapped to client_error.
#include "kmip/client/client.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "kmip/net/testing/fixtures.hpp"
#include "kmip/net/testing/responder.hpp"
#include "kmip/ttlv/reader.hpp"

namespace kmip::client {
namespace {

namespace testing = net::testing;
using namespace std::chrono_literals;
using spec::tag;

// A responder whose answers come from `respond`, and which keeps the last request it saw.
struct recording_server {
  std::mutex mutex;
  common::secure_bytes last_request;
  std::unique_ptr<testing::responder> server;

  explicit recording_server(std::function<common::secure_bytes(const ttlv::tree&)> respond) {
    auto ctx = net::make_server_context(testing::server_options(testing::shared_pki()));
    EXPECT_TRUE(ctx) << ctx.error().message;
    testing::responder_options o;
    o.tls = *ctx;
    o.respond = [this, respond](std::span<const std::uint8_t> request) {
      {
        std::lock_guard lock(mutex);
        last_request.assign(request.begin(), request.end());
      }
      auto tree = ttlv::decode_message(request);
      return tree ? respond(*tree) : common::secure_bytes{};
    };
    auto r = testing::responder::start(std::move(o));
    EXPECT_TRUE(r) << r.error().message;
    if (r) server = std::move(*r);
  }

  ttlv::tree request() {
    std::lock_guard lock(mutex);
    auto t = ttlv::decode_message(last_request);
    EXPECT_TRUE(t) << t.error().message();
    return t ? std::move(*t) : ttlv::tree{};
  }
};

client connected_client(std::uint16_t port, client_options options = {}) {
  connection_options o;
  o.port = port;
  o.tls = testing::client_options(testing::shared_pki());
  o.connect_timeout = 5s;
  o.io_timeout = 5s;
  client k(connection(o), options);
  auto r = k.conn().connect();
  EXPECT_TRUE(r) << r.error().to_string();
  return k;
}

// The Protocol Versions listed in a Discover Versions payload.
std::vector<spec::protocol_version> versions_in(ttlv::item_view payload) {
  std::vector<spec::protocol_version> out;
  for (auto v : payload.children())
    out.push_back({v.find(tag::protocol_version_major)->as_integer(), v.find(tag::protocol_version_minor)->as_integer()});
  return out;
}

TEST(ClientTest, DiscoverVersionsSendsVcentersRequestAndParsesTheAnswer) {
  const std::vector<spec::protocol_version> supported = {{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};
  recording_server s([&](const ttlv::tree&) { return testing::discover_versions_response(supported); });
  ASSERT_NE(s.server, nullptr);
  client k = connected_client(s.server->port());
  auto versions = k.discover_versions();
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_EQ(*versions, supported);

  // What went out: Request Header with Protocol Version 1.1 and Batch Count 1; one Batch Item, Discover Versions,
  // empty Request Payload (reference/vcenter-kmip.md: vCenter's first request on every connection).
  const ttlv::tree request = s.request();
  ASSERT_FALSE(request.empty());
  const auto root = request.root();
  EXPECT_TRUE(root.is(tag::request_message));
  const auto header = root.find(tag::request_header);
  ASSERT_TRUE(header);
  const auto pv = header->find(tag::protocol_version);
  ASSERT_TRUE(pv);
  EXPECT_EQ(pv->find(tag::protocol_version_major)->as_integer(), 1);
  EXPECT_EQ(pv->find(tag::protocol_version_minor)->as_integer(), 1);
  EXPECT_EQ(header->find(tag::batch_count)->as_integer(), 1);
  const auto item = root.find(tag::batch_item);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->find(tag::operation)->as_enumeration(),
            static_cast<std::uint32_t>(spec::operation::discover_versions));
  EXPECT_FALSE(item->find(tag::unique_batch_item_id));
  const auto payload = item->find(tag::request_payload);
  ASSERT_TRUE(payload);
  EXPECT_EQ(payload->child_count(), 0u);
}

TEST(ClientTest, OfferedVersionsAndHeaderVersionAreConfigurable) {
  recording_server s([](const ttlv::tree& request) {
    // Answer with what was offered, as a server supporting everything would.
    const auto payload = request.root().find(tag::batch_item)->find(tag::request_payload);
    return testing::discover_versions_response(versions_in(*payload), {1, 4});
  });
  ASSERT_NE(s.server, nullptr);
  client_options options;
  options.protocol_version = {1, 4};
  client k = connected_client(s.server->port(), options);
  const std::vector<spec::protocol_version> offered = {{1, 2}, {1, 1}};
  auto versions = k.discover_versions(offered);
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_EQ(*versions, offered);
  const ttlv::tree request = s.request();
  const auto pv = request.root().find(tag::request_header)->find(tag::protocol_version);
  EXPECT_EQ(pv->find(tag::protocol_version_minor)->as_integer(), 4);
}

TEST(ClientTest, EmptyPayloadMeansNoVersionInCommon) {
  recording_server s([](const ttlv::tree&) { return testing::discover_versions_response({}); });
  ASSERT_NE(s.server, nullptr);
  client k = connected_client(s.server->port());
  auto versions = k.discover_versions({{3, 0}});
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_TRUE(versions->empty());
}

TEST(ClientTest, FailedResultStatusIsOperationFailedWithReasonAndMessage) {
  recording_server s([](const ttlv::tree&) {
    return testing::failure_response(spec::operation::discover_versions, spec::result_reason::operation_not_supported,
                                     "Discover Versions is not supported by KMIP 1.0");
  });
  ASSERT_NE(s.server, nullptr);
  client k = connected_client(s.server->port());
  auto versions = k.discover_versions();
  ASSERT_FALSE(versions);
  const client_error& e = versions.error();
  EXPECT_EQ(e.category, errc::operation_failed);
  EXPECT_EQ(e.result_status, spec::result_status::operation_failed);
  EXPECT_EQ(e.result_reason, spec::result_reason::operation_not_supported);
  EXPECT_NE(e.message.find("Operation Not Supported"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("not supported by KMIP 1.0"), std::string::npos) << e.message;
  // A KMIP-level failure leaves the connection usable.
  EXPECT_TRUE(k.conn().is_open());
}

TEST(ClientTest, ResponseForAnotherOperationIsAProtocolError) {
  recording_server s([](const ttlv::tree&) { return testing::discover_versions_response({{1, 1}}); });
  ASSERT_NE(s.server, nullptr);
  client k = connected_client(s.server->port());
  auto r = k.call(spec::operation::query);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::protocol);
  EXPECT_NE(r.error().message.find("answers operation Discover Versions, the request was Query"), std::string::npos)
      << r.error().message;
}

TEST(ClientTest, NotAResponseMessageIsAProtocolError) {
  // The echo of our own request: a Request Message where a Response Message belongs.
  recording_server s([](const ttlv::tree&) { return testing::discover_versions_request(); });
  ASSERT_NE(s.server, nullptr);
  client k = connected_client(s.server->port());
  auto r = k.discover_versions();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::protocol);
  EXPECT_NE(r.error().message.find("expected a Response Message, got Request Message"), std::string::npos)
      << r.error().message;
}

TEST(ClientTest, ExchangeTreeReturnsAnyResponse) {
  recording_server s([](const ttlv::tree&) {
    return testing::failure_response(spec::operation::get, spec::result_reason::item_not_found, "no such key");
  });
  ASSERT_NE(s.server, nullptr);
  client k = connected_client(s.server->port());
  const ttlv::tree request = make_request({1, 1}, spec::operation::get, [](ttlv::tree& t) {
    t.add_text(tag::unique_identifier, "42");
  });
  auto response = k.exchange_tree(request);
  ASSERT_TRUE(response) << response.error().to_string();
  EXPECT_TRUE(response->root().is(tag::response_message));
  EXPECT_EQ(s.request(), request);
}

TEST(ClientTest, CheckResponseOnHandBuiltTrees) {
  auto decoded = [](const common::secure_bytes& bytes) {
    auto t = ttlv::decode_message(bytes);
    EXPECT_TRUE(t);
    return std::move(*t);
  };
  auto ok = check_response(decoded(testing::discover_versions_response({{1, 2}})), spec::operation::discover_versions);
  ASSERT_TRUE(ok) << ok.error().to_string();
  ASSERT_TRUE(ok->payload());
  EXPECT_EQ(versions_in(*ok->payload()), (std::vector<spec::protocol_version>{{1, 2}}));

  ttlv::tree no_status;
  no_status.begin_structure(tag::response_message);
  no_status.begin_structure(tag::response_header);
  no_status.end_structure();
  no_status.begin_structure(tag::batch_item);
  no_status.end_structure();
  no_status.end_structure();
  auto bad = check_response(std::move(no_status), spec::operation::discover_versions);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("without a Result Status"), std::string::npos) << bad.error().message;

  // A Result Status of the wrong item type must not trip an assertion in the tree accessors.
  ttlv::tree wrong_type;
  wrong_type.begin_structure(tag::response_message);
  wrong_type.begin_structure(tag::response_header);
  wrong_type.end_structure();
  wrong_type.begin_structure(tag::batch_item);
  wrong_type.add_text(tag::result_status, "Success");
  wrong_type.end_structure();
  wrong_type.end_structure();
  EXPECT_FALSE(check_response(std::move(wrong_type), spec::operation::discover_versions));
}

}  // namespace
}  // namespace kmip::client
