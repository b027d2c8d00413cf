// Transport answers for the outcome table of http_status_test.cc.
#pragma once

#include "src/delivery/http_transport.h"

namespace mcpr::test {

inline HttpResponse status(int s, const char* retry_after = "") {
  HttpResponse r;
  r.status = s;
  r.retry_after = retry_after;
  return r;
}

inline HttpResponse error(NetError e) {
  HttpResponse r;
  r.error = e;
  r.error_text = "x";
  return r;
}

}  // namespace mcpr::test
