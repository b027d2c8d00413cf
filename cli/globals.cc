// What both executables share outside CLI11: the global options' config and
// messages, the one way an error is printed, standard output's last check.
// No iostreams here: mcp-report's recording path links this file, and
// <iostream> would set up streams and locales before every recording
// (README.md, Performance).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/front.h"
#include "cli/exit_status.h"
#include "src/util/failure.h"
#include "src/util/printable.h"

namespace mcpr::cli {
namespace {

// "mcp-report: <prefix><text>\n" on stderr, in one write.
void print_line(const char* prefix, const std::string& text) {
  const std::string line = std::string("mcp-report: ") + prefix + printable(text) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

Config Globals::load_config(ConfigUse use) const {
  Config config = mcpr::load_config(overrides(),
                                    [](const char* name) { return std::getenv(name); });
  if (use != ConfigUse::kRecord && config.enabled && config.sink == SinkKind::kOtlp) {
    std::vector<std::string> environment;
    for (char** entry = environ; entry && *entry; ++entry)
      if (std::strncmp(*entry, "OTEL_", 5) == 0) environment.emplace_back(*entry);
    if (std::string w = unhonoured_otel_variables_warning(environment); !w.empty())
      config.warnings.push_back(w);
  }
  if (use == ConfigUse::kDeliver || (use == ConfigUse::kLook && verbose > 0))
    for (const std::string& w : config.warnings) warn(w);
  if (use == ConfigUse::kDeliver)
    for (const std::string& w : secret_file_warnings(config)) warn(w);
  return config;
}

void Globals::warn(const std::string& message) const {
  if (!quiet) print_line("warning: ", message);
}

void Globals::note(const std::string& message) const {
  if (verbose > 0) say(message);
}

void Globals::say(const std::string& message) const {
  if (!quiet) print_line("", message);
}

// A standard fd we were started without (`<&-`, `>&-`) is held by /dev/null,
// opened read-only: otherwise the next pipe or file we open would become fd
// 0, 1 or 2 (the proxy once read its own pipe as its stdin and never ended).
// Reads then see an end of input and writes fail (exit 74), as they would
// have on the closed fd.
void hold_closed_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", O_RDONLY);
    if (held >= 0 && held != fd) ::close(held);  // not the lowest free fd: leave it be
  }
}

int report_error(const std::exception& error) {
  const ErrorReport r = describe_error(error);
  print_line("", r.message);
  if (!r.hint.empty()) print_line("hint: ", r.hint);
  return r.exit_status;
}

namespace {

int stdout_errno = 0;  // why standard output first failed, 0 if unknown

}  // namespace

// std::cout is synchronized with stdio (the default), so its writes are
// stdout's and fflush sees their errors too.
bool flush_stdout() {
  errno = 0;
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
  if (stdout_errno == 0) stdout_errno = errno;
  return false;
}

int finish_output(int exit_status) {
  if (flush_stdout()) return exit_status;
  print_line("standard output: ",
             std::string(stdout_errno ? std::strerror(stdout_errno) : "write error") +
                 " (what the command printed is lost)");
  return exit_status == kExitOk ? kExitIoErr : exit_status;
}

}  // namespace mcpr::cli
