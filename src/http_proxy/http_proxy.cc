#include "src/http_proxy/http_proxy.h"

#include <netdb.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "src/delivery/http_transport.h"
#include "src/http_proxy/exchange.h"
#include "src/http_proxy/http_recorder.h"
#include "src/util/failure.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

// Each client connection has a thread of its own, whose stack holds little.
constexpr size_t kThreadStack = 512u << 10;
// An idle client connection is closed after this (a stream is never idle:
// its thread waits for the upstream, not for the client).
constexpr unsigned kIdleTimeoutSeconds = 300;
// After the grace, how long the streams cut short get to send their end.
constexpr std::chrono::seconds kStreamEndGrace(2);
// Room for a request's head and the response's next bytes: libmicrohttpd's
// default, which it zeroes after each request (a larger pool cost a
// measurable memset per request).
constexpr size_t kConnectionMemory = 32u << 10;

// A socket listening on `listen`; its port is filled in when it was 0.
UniqueFd listen_on(ListenAddress* listen) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(listen->port);
  const std::string what = "proxy: cannot listen on " + listen->authority();
  if (int rc = ::getaddrinfo(listen->host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw Failure(kExitUnavailable, what, ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
  int error = 0;
  for (addrinfo* a = found; a; a = a->ai_next) {
    UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) {
      error = errno;
      continue;
    }
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd.get(), 256) != 0) {
      error = errno;
      continue;
    }
    sockaddr_storage bound{};
    socklen_t size = sizeof bound;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &size);
    listen->port = ntohs(bound.ss_family == AF_INET6
                             ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return fd;
  }
  throw Failure(kExitUnavailable, what, std::strerror(error));
}

void* on_uri(void* cls, const char* uri, MHD_Connection*) {
  return new Exchange(*static_cast<ProxyContext*>(cls), uri ? uri : "/");
}

MHD_Result on_request(void*, MHD_Connection* connection, const char*, const char* method,
                      const char*, const char* upload, size_t* upload_size, void** request) {
  return static_cast<Exchange*>(*request)->handle(connection, method, upload, upload_size);
}

void on_completed(void*, MHD_Connection*, void** request, MHD_RequestTerminationCode how) {
  auto* exchange = static_cast<Exchange*>(*request);
  if (!exchange) return;
  exchange->completed(how);
  delete exchange;
  *request = nullptr;
}

void on_connection(void* cls, MHD_Connection*, void** socket_context,
                   MHD_ConnectionNotificationCode what) {
  if (what == MHD_CONNECTION_NOTIFY_STARTED) {
    *socket_context = new ClientConnection(*static_cast<ProxyContext*>(cls));
  } else {
    delete static_cast<ClientConnection*>(*socket_context);
    *socket_context = nullptr;
  }
}

// libmicrohttpd's own complaints (a malformed request, say): -v only. They
// never quote a request's headers.
void on_library_log(void* cls, const char* format, va_list ap) {
  auto* context = static_cast<ProxyContext*>(cls);
  if (!context->note) return;
  char line[512];
  std::vsnprintf(line, sizeof line, format, ap);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  context->note("proxy: libmicrohttpd: " + text);
}

// The signals that stop the proxy, blocked in every thread (the connection
// threads inherit the mask) and taken by sigwait.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

RecordingOutcome run_http_proxy(const HttpProxyRun& run) {
  require_ca_file(run.upstream_options.ca_file);
  ::signal(SIGPIPE, SIG_IGN);
  ListenAddress listen = run.listen;
  UniqueFd listener = listen_on(&listen);
  UniqueFd stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_fd) throw Failure(kExitUnavailable, "proxy", std::strerror(errno));

  // Blocked before any thread starts (the recorder's, the connections'),
  // so that every thread inherits the mask and only sigwait takes them.
  const sigset_t signals = stop_signals();
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &signals, &old);
  ProxyContext context(run.upstream, run.upstream_options, listen, stop_fd.get());
  context.note = run.note;
  context.warn = run.warn;
  std::unique_ptr<HttpRecorder> recorder;
  if (run.config) {
    recorder = std::make_unique<HttpRecorder>(*run.config, run.tracker, run.upstream);
    context.observer = recorder.get();
  }
  MHD_Daemon* daemon = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC |
          MHD_USE_ERROR_LOG,
      0, nullptr, nullptr, on_request, nullptr,
      MHD_OPTION_EXTERNAL_LOGGER, on_library_log, &context,
      MHD_OPTION_LISTEN_SOCKET, listener.get(),
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, &context,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, nullptr,
      MHD_OPTION_NOTIFY_CONNECTION, on_connection, &context,
      MHD_OPTION_THREAD_STACK_SIZE, kThreadStack,
      MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutSeconds,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory,
      MHD_OPTION_END);
  if (!daemon) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw Failure(kExitUnavailable, "proxy: cannot listen on " + listen.authority(),
                  "libmicrohttpd could not start");
  }
  (void)listener.release();  // the daemon's now
  // Off loopback, the names the machine is reached by are not known: Origin
  // alone guards against DNS rebinding (man page HTTP PROXY, Safe by default).
  if (!is_loopback_name(listen.host) && run.warn)
    run.warn("proxy: --listen " + listen.host +
             " is not loopback: the Host header is not checked, only Origin is (DNS "
             "rebinding); put authentication in front");
  if (run.on_listening) run.on_listening("http://" + listen.authority() + run.upstream.path);

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  // Stop: no new connections or requests; the requests in flight get
  // kStopGrace to be answered; then every stream still open ends.
  context.stopping = true;
  const MHD_socket closed = MHD_quiesce_daemon(daemon);
  if (closed != MHD_INVALID_SOCKET) ::close(closed);
  if (run.note) run.note("proxy: stopping (signal " + std::to_string(signal_number) + ")");
  // A second signal cuts the grace short.
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  const timespec look{0, 0};
  while (!context.wait_idle(false, std::min(deadline, std::chrono::steady_clock::now() +
                                                          std::chrono::milliseconds(100))) &&
         std::chrono::steady_clock::now() < deadline && sigtimedwait(&signals, nullptr, &look) < 0) {
  }
  // Every stream still open ends now; a moment for their last bytes (the
  // end of a chunked body) to go out before the connections close.
  const uint64_t one = 1;
  (void)::write(stop_fd.get(), &one, sizeof one);
  context.wait_idle(true, std::chrono::steady_clock::now() + kStreamEndGrace);
  MHD_stop_daemon(daemon);

  // The signals stay blocked: the process ends after this, and a late one
  // must not kill it while the spool writer finishes.
  RecordingOutcome outcome;
  if (recorder) outcome = recorder->finish();
  else if (run.note)
    // Said once at start (why); the count, for the operator who asks (-v).
    run.note("proxy: " + std::to_string(context.unrecorded.load()) + " requests to " +
             run.upstream.path + " forwarded without recording");
  return outcome;
}

}  // namespace mcpr
