// Reading a TOML config file into a Config: the only place that sees toml++.
#include "src/config/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0
// toml++ 3.3.0 asserts what its parser then reports as an error ("[0, }":
// "could not determine value type"): assertions for its own debugging,
// which stop the sanitizer suite's and the fuzzer's builds (not built with
// NDEBUG) on a user's typo. Off in every build; the one assertion whose
// case it does not report (a table name that starts as no key, "[|") the
// ASCII conversion refuses first (toml_ascii.h).
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>

#include "src/config/toml_ascii.h"
#include "src/util/failure.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

ConfigValue from_toml(const toml::node& node, std::string* bad_type) {
  if (auto v = node.as_boolean()) return v->get();
  if (auto v = node.as_integer()) return v->get();
  if (auto v = node.as_floating_point()) return v->get();
  if (auto v = node.as_string()) return v->get();
  *bad_type = node.is_table() ? "a table" : node.is_array() ? "an array" : "a date or time";
  return std::string();
}

// A list key's array of strings, comma-joined (Config::set checks each).
ConfigValue from_toml_list(const toml::array& array, std::string* bad_type) {
  std::string joined;
  for (const toml::node& element : array) {
    auto v = element.as_string();
    if (!v) {
      *bad_type = "an array holding something other than strings";
      return std::string();
    }
    joined += (joined.empty() ? "" : ",") + v->get();
  }
  return joined;
}

std::string where(const std::string& path, const toml::source_region& src) {
  return path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

}  // namespace

std::string read_small_file(const std::string& what, const std::string& path, size_t max_bytes) {
  const std::string name = what.empty() ? path : what + " " + path;
  // O_NONBLOCK: opening a FIFO with no writer must not hang.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw Failure(kExitConfig, name, std::strerror(errno));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw Failure(kExitConfig, name, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Failure(kExitConfig, name, "is a directory, not a file");
  // /dev/null is the usual way to say "nothing here" (-c /dev/null: no config).
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) return "";
  if (!S_ISREG(st.st_mode)) throw Failure(kExitConfig, name, "is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw Failure(kExitConfig, name, "is over " + std::to_string(max_bytes / 1024) + " KiB");
  // Room for what fstat said, and more only if it grows meanwhile: a buffer
  // of max_bytes zeroed for every command that reads a config (each
  // recording does) was 257 pages to fault in.
  std::string text(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t got = 0;
  for (;;) {
    if (got == text.size()) text.resize(std::min(2 * text.size(), max_bytes + 1));
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Failure(kExitConfig, name, std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
    if (got > max_bytes)  // it grew while we read
      throw Failure(kExitConfig, name, "is over " + std::to_string(max_bytes / 1024) + " KiB");
  }
  text.resize(got);
  return text;
}

namespace {

// "(ignored)", with the known key meant, if any: " (ignored; did you mean 'x'?)".
std::string ignored(const std::string& meant) {
  return meant.empty() ? " (ignored)" : " (ignored; did you mean '" + meant + "'?)";
}

}  // namespace

void read_config_file(Config& config, const std::string& path) {
  // A string, not a stream: a recording never sets up iostreams or locales
  // (README.md, Performance). toml++ is given the document in ASCII
  // (toml_ascii.h says why): lines are the same, columns after an escaped
  // character may differ.
  const AsciiToml ascii = ascii_toml(read_small_file("", path, kMaxConfigBytes));
  if (ascii.line > 0)
    throw Failure(kExitConfig,
                  path + ":" + std::to_string(ascii.line) + ":" + std::to_string(ascii.column),
                  ascii.error);
  toml::table root;
  try {
    root = toml::parse(ascii.text, path);
  } catch (const toml::parse_error& e) {
    // "Error while parsing key-value pair: expected value" -> "expected value"
    std::string what(e.description());
    if (what.rfind("Error while parsing", 0) == 0 && what.find(": ") != std::string::npos)
      what = what.substr(what.find(": ") + 2);
    throw Failure(kExitConfig, where(path, e.source()), what);
  }
  const std::string base_dir = path.substr(0, path.find_last_of('/'));
  config.file = path;
  for (auto&& [table_key, table_node] : root) {
    const toml::table* table = table_node.as_table();
    std::string table_name(table_key.str());
    const bool ours = table_name == "mcp" || table_name == "interaction_logging";
    // Our table's name with a value that is not a table is a wrong type, as
    // for any key: its settings would be lost without a word.
    if (ours && !table)
      throw Failure(kExitConfig, where(path, table_key.source()),
                    table_name + ": expected a table ([" + table_name + "]), not a value");
    // An unknown name is never echoed (a key pasted where a name goes would
    // be printed): its line says where, and a known key it is close to what
    // was meant.
    if (!ours) {
      config.warnings.push_back(
          where(path, table_key.source()) +
          (table ? ": unknown table (ignored)"
                 : ": unknown key outside [mcp] and [interaction_logging]" +
                       ignored(closest_config_key(table_name))));
      continue;
    }
    for (auto&& [key, node] : *table) {
      std::string name = table_name + "." + std::string(key.str());
      Origin origin{Origin::kFile, path + ":" + std::to_string(key.source().begin.line)};
      if (!is_config_key(name)) {
        config.warnings.push_back(where(path, key.source()) + ": unknown key in [" + table_name +
                                  "]" + ignored(closest_config_key(name)));
        continue;
      }
      std::string bad_type;
      ConfigValue value = is_list_key(name) && node.is_array() ? from_toml_list(*node.as_array(), &bad_type)
                                                                : from_toml(node, &bad_type);
      if (!bad_type.empty())
        throw Failure(kExitConfig, where(path, node.source()),
                      name + ": expected a value of its own type, not " + bad_type);
      config.set(name, value, origin, base_dir);
      if (name == "interaction_logging.coordinator_api_key") config.file_holds_api_key = true;
    }
  }
}

}  // namespace mcpr
