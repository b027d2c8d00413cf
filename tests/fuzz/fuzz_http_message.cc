// What the HTTP proxy reads of what crosses it: an SSE stream's events (the
// same however the stream is cut into chunks), a compressed body, and the
// Origin, Host, Accept-Encoding and --listen values.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/http_proxy/listen_address.h"
#include "src/http_proxy/message_tap.h"
#include "src/http_proxy/request_policy.h"
#include "src/util/failure.h"

namespace {

std::vector<mcpr::TappedMessage> events(std::string_view stream, size_t cut) {
  mcpr::SseTap tap;
  std::vector<mcpr::TappedMessage> out;
  tap.feed(stream.substr(0, cut), &out);
  tap.feed(stream.substr(cut), &out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto whole = events(in, size);
  const auto cut = events(in, size ? data[0] % size : 0);
  if (whole.size() != cut.size()) std::abort();
  for (size_t i = 0; i < whole.size(); ++i)
    if (whole[i].text != cut[i].text || whole[i].size != cut[i].size) std::abort();

  mcpr::Inflater inflater;
  std::string inflated;
  inflater.feed(in, &inflated);

  const std::string text(in);
  (void)mcpr::readable_codings(in);
  (void)mcpr::coding_of(in);
  const mcpr::OriginPolicy policy(mcpr::parse_listen_address("127.0.0.1:8808"));
  (void)policy.check(text.c_str(), text.c_str());
  try {
    const mcpr::ListenAddress a = mcpr::parse_listen_address(text);
    if (a.host.empty()) std::abort();
  } catch (const mcpr::Failure&) {
  }
  return 0;
}
