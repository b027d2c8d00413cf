// The libcurl transport (src/curl/curl_transport.h) where libcurl itself
// would have to fail: the test binary stands in for two of libcurl's entry
// points (the executable's definition wins over the shared library's) and
// hands every other call on to the real one.
#include "src/curl/curl_transport.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "fake_delivery.h"

namespace {

bool refuse_adds = false;  // curl_multi_add_handle says "out of memory"
int global_inits = 0;      // curl_global_init calls while counting
bool count_inits = false;

template <typename F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" CURLMcode curl_multi_add_handle(CURLM* multi, CURL* easy) {
  if (refuse_adds) return CURLM_OUT_OF_MEMORY;
  return real<CURLMcode (*)(CURLM*, CURL*)>("curl_multi_add_handle")(multi, easy);
}

extern "C" CURLcode curl_global_init(long flags) {
  if (count_inits) ++global_inits;
  return real<CURLcode (*)(long)>("curl_global_init")(flags);
}

namespace mcpr {
namespace {

// As the process does: once, before any test (or thread) runs.
const CurlLibrary curl_library;

// A request libcurl refuses to start is answered at the next wait() as one
// that could not connect, instead of staying in flight for ever.
TEST(CurlTransportTest, ARequestLibcurlRefusesToStartIsAnsweredNotLost) {
  TransportOptions options;
  options.timeout = 1;
  std::unique_ptr<HttpTransport> transport = make_curl_transport(options);
  refuse_adds = true;
  transport->submit(tagged_request(5));
  refuse_adds = false;
  EXPECT_EQ(transport->in_flight(), 1u);
  const std::vector<HttpResponse> done = transport->wait(0);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].tag, 5u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_EQ(done[0].error, NetError::kUnreachable);
  EXPECT_EQ(done[0].error_text, "cannot start the request: Out of memory");
  EXPECT_EQ(transport->in_flight(), 0u);
}

// libcurl's global init is the process's (CurlLibrary), not each transport's:
// it is not thread safe, and a flush makes its transport while other
// threads run.
TEST(CurlTransportTest, MakingATransportLeavesLibcurlsGlobalStateAlone) {
  count_inits = true;
  global_inits = 0;
  for (int i = 0; i < 2; ++i) make_curl_transport(TransportOptions{});
  count_inits = false;
  EXPECT_EQ(global_inits, 0);
}

}  // namespace
}  // namespace mcpr
