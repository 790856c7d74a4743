// kmipd configuration: the Cosmian-style keys, our [kmipd] keys, relative paths, and errors naming key and line.
#include "server/config.hpp"

#include <gtest/gtest.h>

namespace kmipd {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path source = "/etc/kmipd/kms.toml";

config parse_ok(std::string_view text) {
  auto c = parse_config(text, source);
  EXPECT_TRUE(c) << (c ? "" : c.error().describe("kms.toml"));
  return c ? *c : config{};
}

config_error parse_fails(std::string_view text) {
  auto c = parse_config(text, source);
  EXPECT_FALSE(c);
  return c ? config_error{} : c.error();
}

TEST(Config, EmptyFileGivesDefaults) {
  config c = parse_ok("");
  EXPECT_EQ(c.default_username, "admin");
  EXPECT_TRUE(c.socket_server_start);
  EXPECT_EQ(c.socket_server_port, 5696);
  EXPECT_EQ(c.http_port, 9998);
  EXPECT_EQ(c.db_type, database_type::sqlite);
  EXPECT_EQ(c.sqlite_path, "/etc/kmipd/kmipd.sqlite");
  EXPECT_EQ(c.master_key_file, "/etc/kmipd/kmipd-master.key");
  EXPECT_EQ(c.idle_timeout, 60s);
  EXPECT_EQ(c.busy_poll, 50us);
}

TEST(Config, CosmianKeysAndOurs) {
  config c = parse_ok(R"(
default_username = "lab"
[socket_server]
socket_server_start = true
socket_server_port = 15696
socket_server_hostname = "127.0.0.1"
[tls]
tls_p12_file = "certs/server.p12"
tls_p12_password = "secret"
clients_ca_cert_file = ["certs/ca.crt", "/opt/other-ca.pem"]
[http]
port = 19998
hostname = "127.0.0.1"
[db]
database_type = "sqlite"
sqlite_path = "../data/kms.sqlite"
[kmipd]
audit_file = "audit.jsonl"
tls_min_version = "1.3"
allow_aes128_sha256 = true
require_client_auth_eku = true
threads = 4
busy_poll_us = 0
max_message_size = 65536
idle_timeout_seconds = 2.5
log_level = "debug"
)");
  EXPECT_EQ(c.default_username, "lab");
  EXPECT_EQ(c.socket_server_port, 15696);
  EXPECT_EQ(c.socket_server_hostname, "127.0.0.1");
  EXPECT_EQ(c.tls_p12_file, "/etc/kmipd/certs/server.p12");
  EXPECT_EQ(std::string(c.tls_p12_password.begin(), c.tls_p12_password.end()), "secret");
  ASSERT_EQ(c.clients_ca_cert_file.size(), 2u);
  EXPECT_EQ(c.clients_ca_cert_file[0], "/etc/kmipd/certs/ca.crt");
  EXPECT_EQ(c.clients_ca_cert_file[1], "/opt/other-ca.pem");
  EXPECT_EQ(c.http_port, 19998);
  EXPECT_EQ(c.sqlite_path, "/etc/data/kms.sqlite");
  EXPECT_EQ(c.audit_file, "/etc/kmipd/audit.jsonl");
  EXPECT_EQ(c.tls_min_version, "1.3");
  EXPECT_TRUE(c.allow_aes128_sha256);
  EXPECT_TRUE(c.require_client_auth_eku);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.busy_poll, 0us);
  EXPECT_EQ(c.max_message_size, 65536u);
  EXPECT_EQ(c.idle_timeout, 2500ms);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, ClientsCaMayBeOneString) {
  config c = parse_ok("[tls]\nclients_ca_cert_file = \"ca.crt\"\n");
  ASSERT_EQ(c.clients_ca_cert_file.size(), 1u);
  EXPECT_EQ(c.clients_ca_cert_file[0], "/etc/kmipd/ca.crt");
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  auto e = parse_fails("[socket_server]\nsocket_server_port = 5696\nsocket_sever_hostname = \"x\"\n");
  EXPECT_EQ(e.key, "socket_server.socket_sever_hostname");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.describe("kms.toml"), "kms.toml:3: socket_server.socket_sever_hostname: unknown key");
  auto top = parse_fails("\n\n[logging]\nrust_log = \"info\"\n");
  EXPECT_EQ(top.key, "logging");
  EXPECT_EQ(top.line, 3u);
}

TEST(Config, TestFaultPersonalitiesAreCheckedByName) {
  config none = parse_ok("");
  EXPECT_FALSE(none.test_faults.any());
  config c = parse_ok("[kmipd]\ntest_fault_personalities = [\"query_unsupported\", \"short_keys\"]\n");
  EXPECT_TRUE(c.test_faults.has(core::fault::query_unsupported));
  EXPECT_TRUE(c.test_faults.has(core::fault::short_keys));
  EXPECT_FALSE(c.test_faults.has(core::fault::garbage_responses));
  auto e = parse_fails("[kmipd]\n\ntest_fault_personalities = [\"query_unsupported\", \"no_such_fault\"]\n");
  EXPECT_EQ(e.key, "kmipd.test_fault_personalities");
  EXPECT_EQ(e.line, 3u);
  EXPECT_NE(e.message.find("\"no_such_fault\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("add_attribute_unsupported"), std::string::npos) << e.message;  // the known ones listed
  EXPECT_EQ(parse_fails("[kmipd]\ntest_fault_personalities = \"short_keys\"\n").message, "must be an array of strings");
}

TEST(Config, CredentialsHoldHashesAndNeverEchoAClearPassword) {
  const std::string hash = "pbkdf2-sha256$1000$00112233445566778899aabbccddeeff$" + std::string(64, 'a');
  config c = parse_ok("[kmipd.credentials]\nrequired = true\n[kmipd.credentials.users]\nvcenter = \"" + hash + "\"\n");
  EXPECT_TRUE(c.credentials_required);
  ASSERT_EQ(c.credential_users.size(), 1u);
  EXPECT_EQ(c.credential_users.at("vcenter"), hash);
  EXPECT_TRUE(parse_ok("").credential_users.empty());
  auto clear = parse_fails("[kmipd.credentials.users]\n\nvcenter = \"Sup3r-Secret\"\n");
  EXPECT_EQ(clear.key, "kmipd.credentials.users.vcenter");
  EXPECT_EQ(clear.line, 3u);
  EXPECT_EQ(clear.describe("kms.toml").find("Sup3r-Secret"), std::string::npos) << clear.describe("kms.toml");
  EXPECT_NE(clear.message.find("kmipd --hash-password"), std::string::npos) << clear.message;
  EXPECT_EQ(parse_fails("[kmipd.credentials]\nrequired = true\n").key, "kmipd.credentials.required");
  EXPECT_EQ(parse_fails("[kmipd.credentials]\nrequierd = true\n").key, "kmipd.credentials.requierd");
}

TEST(Config, BadValuesNameKeyAndLine) {
  auto port = parse_fails("[socket_server]\n\nsocket_server_port = 70000\n");
  EXPECT_EQ(port.key, "socket_server.socket_server_port");
  EXPECT_EQ(port.line, 3u);
  EXPECT_NE(port.message.find("70000"), std::string::npos);

  auto type = parse_fails("[http]\nport = \"9998\"\n");
  EXPECT_EQ(type.key, "http.port");
  EXPECT_EQ(type.line, 2u);

  auto db = parse_fails("[db]\ndatabase_type = \"mysql\"\n");
  EXPECT_EQ(db.key, "db.database_type");
  EXPECT_EQ(db.line, 2u);

  auto version = parse_fails("[kmipd]\ntls_min_version = \"1.1\"\n");
  EXPECT_EQ(version.key, "kmipd.tls_min_version");

  auto poll = parse_fails("[kmipd]\nbusy_poll_us = 20000\n");
  EXPECT_EQ(poll.key, "kmipd.busy_poll_us");
  EXPECT_NE(poll.message.find("20000"), std::string::npos) << poll.message;

  auto timeout = parse_fails("[kmipd]\nidle_timeout_seconds = -1\n");
  EXPECT_EQ(timeout.key, "kmipd.idle_timeout_seconds");

  auto ca = parse_fails("[tls]\nclients_ca_cert_file = [\"a.crt\",\n  3]\n");
  EXPECT_EQ(ca.key, "tls.clients_ca_cert_file");
  EXPECT_EQ(ca.line, 3u);
}

TEST(Config, SyntaxErrorHasItsLine) {
  auto e = parse_fails("[http]\nport = 9998\nhostname = \n");
  EXPECT_TRUE(e.key.empty());
  EXPECT_EQ(e.line, 3u);
}

TEST(Config, PostgresqlNeedsAPostgresqlUrl) {
  const std::string tls = "[tls]\ntls_p12_file = \"s.p12\"\nclients_ca_cert_file = \"ca.crt\"\n";
  config c = parse_ok(tls + "[db]\ndatabase_type = \"postgresql\"\ndatabase_url = \"postgres://kms@db/kms\"\n");
  EXPECT_EQ(c.db_type, database_type::postgresql);
  EXPECT_TRUE(check_startable(c));
  auto none = check_startable(parse_ok(tls + "[db]\ndatabase_type = \"postgresql\"\n"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().key, "db.database_url");
  auto other = check_startable(
      parse_ok(tls + "[db]\ndatabase_type = \"postgresql\"\ndatabase_url = \"mysql://kms:Secret-9@db/kms\"\n"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().key, "db.database_url");
  EXPECT_EQ(other.error().message.find("Secret-9"), std::string::npos) << "the URL may hold a password";
}

TEST(Config, SocketServerNeedsTlsFiles) {
  EXPECT_FALSE(check_startable(parse_ok("")));
  EXPECT_TRUE(check_startable(parse_ok("[socket_server]\nsocket_server_start = false\n")));
}

}  // namespace
}  // namespace kmipd
