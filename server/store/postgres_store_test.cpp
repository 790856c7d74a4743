// PostgreSQL store specifics (the shared contract is store_contract_test.cpp).
#include <gtest/gtest.h>

#include "server/store/postgres_store.hpp"
#include "tests/postgres/postgres_server.hpp"

namespace kmipd::store {
namespace {

TEST(PostgresStore, RedactsPasswordsInUrls) {
  EXPECT_EQ(redact_database_url("postgresql://kms:s3cret@db:5432/kms"), "postgresql://kms:***@db:5432/kms");
}

}  // namespace
}  // namespace kmipd::store
