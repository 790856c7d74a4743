// Sector-granular encrypted guest I/O over a sparse extent.
#include "esxi_sim/encrypted_disk.hpp"

#include <algorithm>
#include <cstring>

namespace esxi_sim {

namespace {

// Decrypts the non-zero sectors of `in`, or encrypts all of it.
result<void> crypt_range(xts_cipher& c, bool enc, std::uint64_t first, std::span<const std::uint8_t> in,
                         std::span<std::uint8_t> out) {
  if (enc) return c.encrypt(first, in, out);
  const std::size_t ss = c.data_unit();
  for (std::size_t i = 0; i < in.size() / ss; ++i) {
    auto src = in.subspan(i * ss, ss);
    if (all_zero(src)) continue;
    if (auto r = c.decrypt(first + i, src, out.subspan(i * ss, ss)); !r) return r;
  }
  return {};
}

struct crypt_job {
  xts_cipher* cipher;
  bool enc;
  std::uint64_t first;
  std::span<const std::uint8_t> in;
  std::span<std::uint8_t> out;
  result<void> r;

  static void run(void* p) noexcept {
    auto* j = static_cast<crypt_job*>(p);
    j->r = crypt_range(*j->cipher, j->enc, j->first, j->in, j->out);
  }
};

}  // namespace

bool all_zero(std::span<const std::uint8_t> b) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= b.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, b.data() + i, 8);
    if (w != 0) return false;
  }
  for (; i < b.size(); ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

result<void> encrypted_disk::create_extent(const std::filesystem::path& p, std::uint64_t capacity,
                                           std::size_t sector_size) {
  auto f = file::open(p, file::mode::create_new);
  if (!f) return common::unexpected<error>{f.error()};
  return f->truncate(sectors_for(capacity, sector_size) * sector_size);
}

result<encrypted_disk> encrypted_disk::open(const std::filesystem::path& p, std::uint64_t capacity,
                                            std::size_t sector_size, std::span<const std::uint8_t> dek,
                                            crypto_helper* helper) {
  auto c = xts_cipher::create(dek, sector_size);
  if (!c) return common::unexpected<error>{c.error()};
  std::optional<xts_cipher> c2;
  if (helper) {
    auto second = xts_cipher::create(dek, sector_size);
    if (!second) return common::unexpected<error>{second.error()};
    c2.emplace(std::move(*second));
  }
  auto f = file::open(p, file::mode::read_write);
  if (!f) return common::unexpected<error>{f.error()};
  auto size = f->size();
  if (!size) return common::unexpected<error>{size.error()};
  const std::uint64_t want = sectors_for(capacity, sector_size) * sector_size;
  if (*size != want) {
    return fail(errc::corrupt, p.string(),
                "extent is " + std::to_string(*size) + " bytes; the descriptor implies " + std::to_string(want) +
                    (*size < want ? " (truncated)" : " (extended)"));
  }
  return encrypted_disk{std::move(*f), std::move(*c), std::move(c2), helper, capacity, sector_size};
}

result<void> encrypted_disk::check_range(std::uint64_t offset, std::uint64_t len) const {
  if (offset > capacity_ || len > capacity_ - offset) {
    return fail(errc::invalid_argument, file_.path(),
                "guest I/O [" + std::to_string(offset) + ", +" + std::to_string(len) + ") is past the capacity " +
                    std::to_string(capacity_));
  }
  return {};
}

result<void> encrypted_disk::read_sectors(std::uint64_t first, std::size_t count, std::span<std::uint8_t> out) {
  auto raw = std::span(cipher_buf_).first(count * sector_);
  if (auto r = file_.read_at(first * sector_, raw); !r) return r;
  if (auto r = crypt(false, first, raw, out.first(count * sector_)); !r) return r;
  for (std::size_t i = 0; i < count; ++i) {  // unallocated here: the parent's data, or zeros
    if (!all_zero(raw.subspan(i * sector_, sector_))) continue;
    auto dst = out.subspan(i * sector_, sector_);
    if (parent_) {
      if (auto r = parent_->read_sectors(first + i, 1, dst); !r) return r;
    } else {
      std::fill(dst.begin(), dst.end(), std::uint8_t{0});
    }
  }
  return {};
}

result<void> encrypted_disk::crypt(bool enc, std::uint64_t first, std::span<const std::uint8_t> in,
                                   std::span<std::uint8_t> out) {
  const std::size_t count = in.size() / sector_;
  if (!helper_ || count < parallel_min_sectors) return crypt_range(cipher_, enc, first, in, out);
  const std::size_t half = count / 2;
  crypt_job job{&*cipher2_, enc, first + half, in.subspan(half * sector_), out.subspan(half * sector_), {}};
  helper_->start(&crypt_job::run, &job);
  auto mine = crypt_range(cipher_, enc, first, in.first(half * sector_), out.first(half * sector_));
  helper_->wait();
  if (!mine) return mine;
  return job.r;
}

result<void> encrypted_disk::write_sectors(std::uint64_t first, std::span<const std::uint8_t> plain) {
  auto raw = std::span(cipher_buf_).first(plain.size());
  if (auto r = crypt(true, first, plain, raw); !r) return r;
  return file_.write_at(first * sector_, raw);
}

result<void> encrypted_disk::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (auto r = check_range(offset, data.size()); !r) return r;
  const std::size_t chunk_sectors = chunk_bytes / sector_;
  std::size_t done = 0;
  while (done < data.size()) {
    const std::uint64_t pos = offset + done;
    const std::uint64_t sector = pos / sector_;
    const std::size_t in_off = static_cast<std::size_t>(pos % sector_);
    const std::size_t left = data.size() - done;
    if (in_off == 0 && left >= sector_) {  // whole sectors straight from the guest buffer
      const std::size_t n = std::min(left / sector_, chunk_sectors);
      if (auto r = write_sectors(sector, data.subspan(done, n * sector_)); !r) return r;
      done += n * sector_;
      continue;
    }
    // Partial sector: read-modify-write one sector.
    auto plain = std::span(plain_buf_).first(sector_);
    if (auto r = read_sectors(sector, 1, plain); !r) return r;
    const std::size_t n = std::min(sector_ - in_off, left);
    std::memcpy(plain.data() + in_off, data.data() + done, n);
    if (auto r = write_sectors(sector, plain); !r) return r;
    done += n;
  }
  return {};
}

result<void> encrypted_disk::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (auto r = check_range(offset, out.size()); !r) return r;
  const std::size_t chunk_sectors = chunk_bytes / sector_;
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t pos = offset + done;
    const std::uint64_t sector = pos / sector_;
    const std::size_t in_off = static_cast<std::size_t>(pos % sector_);
    const std::size_t left = out.size() - done;
    if (in_off == 0 && left >= sector_) {  // whole sectors decrypt straight into the guest buffer
      const std::size_t n = std::min(left / sector_, chunk_sectors);
      if (auto r = read_sectors(sector, n, out.subspan(done, n * sector_)); !r) return r;
      done += n * sector_;
      continue;
    }
    auto plain = std::span(plain_buf_).first(sector_);
    if (auto r = read_sectors(sector, 1, plain); !r) return r;
    const std::size_t n = std::min(sector_ - in_off, left);
    std::memcpy(out.data() + done, plain.data() + in_off, n);
    done += n;
  }
  return {};
}

result<void> encrypted_disk::trim(std::uint64_t offset, std::uint64_t len) {
  if (auto r = check_range(offset, len); !r) return r;
  if (parent_) {  // a delta records the zeros; a hole would read through to the parent
    const common::secure_bytes zeros(static_cast<std::size_t>(std::min<std::uint64_t>(len, chunk_bytes)), 0);
    for (std::uint64_t done = 0; done < len;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), len - done));
      if (auto r = write(offset + done, std::span(zeros).first(n)); !r) return r;
      done += n;
    }
    return {};
  }
  const std::uint64_t end = offset + len;
  std::uint64_t first_full = (offset + sector_ - 1) / sector_;
  std::uint64_t end_full = end / sector_;
  if (first_full >= end_full) {  // no whole sector inside: zero the bytes through the cipher
    const common::secure_bytes zeros(static_cast<std::size_t>(len), 0);
    return write(offset, zeros);
  }
  if (offset < first_full * sector_) {
    const common::secure_bytes zeros(static_cast<std::size_t>(first_full * sector_ - offset), 0);
    if (auto r = write(offset, zeros); !r) return r;
  }
  if (end > end_full * sector_) {
    const common::secure_bytes zeros(static_cast<std::size_t>(end - end_full * sector_), 0);
    if (auto r = write(end_full * sector_, zeros); !r) return r;
  }
  return file_.punch_hole(first_full * sector_, (end_full - first_full) * sector_);
}

}  // namespace esxi_sim
