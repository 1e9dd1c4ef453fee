// The C++ interop peer (see tests/interop/README.md): the C++ core API.
#include <ipc/encoding.hpp>
#include <ipc/shm.hpp>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr std::size_t kSize = 4096;
const std::string kText = "libipc interop \xE2\x9C\x93 h\xC3\xA9llo w\xC3\xB6rld \xF0\x9F\x98\x80";
constexpr double kFloats[8] = {0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0};

int shm_create(const std::string &name) {
  ipc::shared_memory shm(ipc::shm_kind::posix, name, ipc::open_mode::create_only, kSize);
  auto *p = static_cast<unsigned char *>(shm.data());
  for (int i = 0; i < 256; ++i) p[i] = static_cast<unsigned char>(i);
  auto n = static_cast<std::uint32_t>(kText.size());
  for (int i = 0; i < 4; ++i) p[256 + i] = static_cast<unsigned char>(n >> (8 * i));
  shm.write(260, kText.data(), kText.size());
  shm.write(1024, kFloats, sizeof kFloats);
  char lang[32] = "cpp";
  shm.write(2048, lang, sizeof lang);
  std::cout << "ready" << std::endl;
  return 0;
}

int shm_open(const std::string &name, const std::string &creator) {
  ipc::shared_memory shm(ipc::shm_kind::posix, name, ipc::open_mode::open_only, 0);
  if (shm.size() != kSize) throw std::runtime_error("size " + std::to_string(shm.size()));
  const auto *p = static_cast<const unsigned char *>(shm.data());
  for (int i = 0; i < 256; ++i)
    if (p[i] != i) throw std::runtime_error("byte " + std::to_string(i));
  std::uint32_t n = p[256] | p[257] << 8 | p[258] << 16 | std::uint32_t(p[259]) << 24;
  std::string text = ipc::decode_bytes(shm.checked_range(260, n, false), n, ipc::encoding::utf8);
  if (text != kText) throw std::runtime_error("text \"" + text + "\"");
  double f[8];
  shm.read(1024, f, sizeof f);
  if (std::memcmp(f, kFloats, sizeof f) != 0) throw std::runtime_error("floats differ");
  std::string lang(reinterpret_cast<const char *>(p + 2048), strnlen(reinterpret_cast<const char *>(p + 2048), 32));
  if (lang != creator) throw std::runtime_error("creator \"" + lang + "\"");
  std::cout << "ok: read " << lang << "'s segment" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 5) {
    std::cerr << "usage: peer AREA create|open NAME OTHER_LANG\n";
    return 2;
  }
  try {
    std::string area = argv[1], role = argv[2];
    if (area == "shm") return role == "create" ? shm_create(argv[3]) : shm_open(argv[3], argv[4]);
    std::cerr << "cpp peer: unknown area " << area << "\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "cpp peer: " << e.what() << "\n";
    return 1;
  }
}
