#include "src/event/fields.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>

#include "src/event/pyjson.h"
#include "src/util/failure.h"
#include "src/util/unique_fd.h"

namespace mcpr {

std::optional<Field> parse_field(std::string_view arg, std::string* error) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) {
    *error = "expected key=value or key:=json";
    return std::nullopt;
  }
  Field field;
  field.is_json = eq > 0 && arg[eq - 1] == ':';
  field.key = std::string(arg.substr(0, field.is_json ? eq - 1 : eq));
  field.value = std::string(arg.substr(eq + 1));
  if (field.key.empty()) {
    *error = "empty key";
    return std::nullopt;
  }
  return field;
}

std::string build_payload(const std::optional<std::string>& data,
                          const std::vector<std::string>& fields) {
  JsonObject payload;
  std::string error;
  if (data && !parse_object(*data, &payload, &error)) throw Failure(kExitDataErr, "--data", error);
  for (const std::string& arg : fields) {
    std::optional<Field> field = parse_field(arg, &error);
    if (!field) throw Failure(kExitDataErr, "'" + arg + "'", error);
    std::string value;
    bool ok = field->is_json ? to_python_json(field->value, &value, &error)
                             : python_string(field->value, &value);
    if (!field->is_json && !ok) error = "not valid UTF-8";
    if (ok && !python_string(field->key, &error)) {
      ok = false;
      error = "key is not valid UTF-8";
    }
    if (!ok) throw Failure(kExitDataErr, "'" + arg + "'", error);
    payload.set(field->key, std::move(value));
  }
  return payload.str();
}

namespace {

// Plain read(2), no streams: a recording command never sets up iostreams or
// locales (README.md, Performance).
std::string read_at_most(int fd, const std::string& arg, size_t limit) {
  std::string text;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Failure(kExitNoInput, "--data " + arg, std::strerror(errno));
    if (n == 0) return text;
    text.append(chunk, static_cast<size_t>(n));
    if (text.size() > limit)
      throw Failure(kExitDataErr, "--data " + arg,
                    "more than " + std::to_string((limit + 1023) / 1024) +
                        " KiB (max_event_kb); stopped reading");
  }
}

}  // namespace

std::string read_data_argument(const std::string& arg, size_t limit) {
  if (arg == "-") return read_at_most(STDIN_FILENO, arg, limit);
  if (arg.empty())
    throw Failure(kExitDataErr, "--data", "is empty; give a JSON object, @FILE or - for stdin");
  if (arg[0] != '@') return arg;  // the size check comes with the event's
  std::string path = arg.substr(1);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw Failure(kExitNoInput, "--data " + arg, "is a directory, not a file");
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) throw Failure(kExitNoInput, "--data " + arg, std::strerror(errno));
  return read_at_most(in.get(), arg, limit);
}

}  // namespace mcpr
