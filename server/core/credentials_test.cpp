// Password hashes and the engine's credential check built from them (credentials.hpp): a right password is the
// username's identity; a wrong or unknown one is Authentication Not Successful, audited, with no password in
// the audit record or the reply.
#include "server/core/credentials.hpp"

#include <gtest/gtest.h>

#include "server/core/test_support.hpp"

namespace kmipd::core {
namespace {

constexpr unsigned fast = 1000;  // the minimum: tests need not be slow

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  auto h = hash_password("correct horse", fast);
  ASSERT_TRUE(h) << h.error();
  EXPECT_TRUE(h->starts_with("pbkdf2-sha256$1000$")) << *h;
  EXPECT_EQ(h->find("correct horse"), std::string::npos);
  EXPECT_TRUE(check_password_hash(*h));
  EXPECT_TRUE(verify_password(*h, "correct horse"));
  EXPECT_FALSE(verify_password(*h, "correct horsE"));
  EXPECT_FALSE(verify_password(*h, ""));
  // A fresh salt each time.
  auto again = hash_password("correct horse", fast);
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *h);
  EXPECT_TRUE(verify_password(*again, "correct horse"));
}

TEST(PasswordHash, MalformedLinesAreRefusedWithAReason) {
  for (const char* bad : {"", "secret", "md5$1000$00112233445566778899aabbccddeeff$00",
                          "pbkdf2-sha256$10$00112233445566778899aabbccddeeff$" /* few iterations */,
                          "pbkdf2-sha256$1000$zz$00", "pbkdf2-sha256$1000$0011223344556677$0011",
                          "pbkdf2-sha256$1000$0011223344556677$00$extra"}) {
    auto r = check_password_hash(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_FALSE(r.error().empty());
    }
    EXPECT_FALSE(verify_password(bad, "secret")) << bad;
  }
  EXPECT_FALSE(hash_password("x", 10));
}

TEST(CredentialCheck, IdentityIsTheUsernameAndFailuresDoNotTellWhichPart) {
  auto h = hash_password("s3cret-Pw", fast);
  ASSERT_TRUE(h);
  auto check = make_credential_check({{"vcenter", *h}});
  const request_context ctx{"kmip-client", "127.0.0.1:1", "tls"};
  auto ok = check({"vcenter", "s3cret-Pw"}, ctx);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(*ok, "vcenter");
  auto wrong = check({"vcenter", "s3cret-pw"}, ctx);
  auto unknown = check({"someone", "s3cret-Pw"}, ctx);
  auto none = check({"vcenter", std::nullopt}, ctx);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  ASSERT_FALSE(none);
  EXPECT_EQ(wrong.error(), unknown.error());
  // After a success, the remembered digest admits the same password only.
  EXPECT_TRUE(check({"vcenter", "s3cret-Pw"}, ctx));
  EXPECT_FALSE(check({"vcenter", "s3cret-Pw "}, ctx));
  EXPECT_FALSE(check({"vcenter", "s3cret-P"}, ctx));
  EXPECT_EQ(wrong.error().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace kmipd::core
