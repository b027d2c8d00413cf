#include "src/http_proxy/message_tap.h"

#include <strings.h>
#include <zlib.h>

#include <cstring>

#include "src/proxy/forwarder.h"
#include "src/proxy/line_splitter.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

constexpr size_t kMaxFieldName = 16;  // "data" is all we look for
constexpr char kBom[] = "\xEF\xBB\xBF";

bool is(std::string_view token, const char* name) {
  return token.size() == std::strlen(name) && strncasecmp(token.data(), name, token.size()) == 0;
}

}  // namespace

void MessageText::append(std::string_view part) {
  if (part.empty()) return;
  size_ += part.size();
  if (size_ < kMaxParsedLine) {
    text_.append(part);
    return;
  }
  if (text_.size() > kLineEdge) {
    // Just became too long: keep the two ends from here on.
    tail_ = text_.substr(text_.size() - kLineEdge);
    text_.resize(kLineEdge);
  } else if (text_.size() < kLineEdge) {
    text_.append(part.substr(0, kLineEdge - text_.size()));
  }
  tail_.append(part.size() > kLineEdge ? part.substr(part.size() - kLineEdge) : part);
  if (tail_.size() > kLineEdge) tail_.erase(0, tail_.size() - kLineEdge);
}

TappedMessage MessageText::take() {
  TappedMessage m;
  m.text = std::move(text_);
  m.tail = std::move(tail_);
  m.size = size_;
  m.cut = size_ >= kMaxParsedLine;
  text_.clear();
  tail_.clear();
  size_ = 0;
  return m;
}

void SseTap::feed(std::string_view chunk, std::vector<TappedMessage>* out) {
  size_t i = 0;
  // A UTF-8 byte order mark may open the stream (and only the stream).
  while (!started_ && i < chunk.size()) {
    if (chunk[i] == kBom[bom_seen_]) {
      ++i;
      if (++bom_seen_ == 3) started_ = true;
      continue;
    }
    if (bom_seen_ > 0) {
      // Not a BOM after all: those bytes were a field name's.
      field_.assign(kBom, bom_seen_);
      state_ = kField;
    }
    started_ = true;
  }
  while (i < chunk.size()) {
    const char c = chunk[i];
    if (c == '\n' && after_cr_) {  // the LF of a CRLF
      after_cr_ = false;
      ++i;
      continue;
    }
    after_cr_ = false;
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      end_of_line(out);
      ++i;
      continue;
    }
    switch (state_) {
      case kLineStart:
        if (c == ':') {
          state_ = kSkip;  // a comment
          break;
        }
        state_ = kField;
        field_.clear();
        [[fallthrough]];
      case kField:
        if (c == ':') {
          data_field_ = field_ == "data";
          state_ = kValueStart;
        } else if (field_.size() < kMaxFieldName) {
          field_.push_back(c);
        }
        break;
      case kValueStart:
        state_ = kValue;
        if (c == ' ') break;  // one space after the colon is not the value's
        [[fallthrough]];
      case kValue: {
        // The rest of the line's value at once.
        size_t end = chunk.find_first_of("\r\n", i);
        if (end == std::string_view::npos) end = chunk.size();
        if (data_field_) data_.append(chunk.substr(i, end - i));
        i = end;
        continue;
      }
      case kSkip:
        break;
    }
    ++i;
  }
}

void SseTap::end_of_line(std::vector<TappedMessage>* out) {
  switch (state_) {
    case kLineStart:  // a blank line: the event is complete
      if (event_has_data_) {
        TappedMessage m = data_.take();
        // The data lines were joined with LF; the last one is not part of it.
        std::string& end = m.cut ? m.tail : m.text;
        if (!end.empty() && end.back() == '\n') {
          end.pop_back();
          --m.size;
        }
        out->push_back(std::move(m));
      }
      data_.take();
      event_has_data_ = false;
      break;
    case kField:  // a field name alone: its value is empty
      data_field_ = field_ == "data";
      [[fallthrough]];
    case kValueStart:
    case kValue:
      if (data_field_) {
        data_.append("\n");
        event_has_data_ = true;
      }
      break;
    case kSkip:
      break;
  }
  state_ = kLineStart;
  data_field_ = false;
}

struct Inflater::Stream {
  z_stream z{};
};

Inflater::Inflater() : stream_(std::make_unique<Stream>()) {
  // 15 + 32: a zlib or a gzip header, found by itself ("deflate" is zlib).
  failed_ = inflateInit2(&stream_->z, 15 + 32) != Z_OK;
}

Inflater::~Inflater() {
  if (!failed_) inflateEnd(&stream_->z);
}

bool Inflater::feed(std::string_view compressed, std::string* out) {
  if (failed_) return false;
  z_stream& z = stream_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  char buf[16384];
  while (z.avail_in > 0) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out->append(buf, sizeof buf - z.avail_out);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are one body.
      if (z.avail_in == 0 || inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && z.avail_out != 0)) {
      inflateEnd(&z);
      failed_ = true;
      return false;
    }
  }
  return true;
}

Coding coding_of(std::string_view content_encoding) {
  const std::string_view c = trim(content_encoding, kOws);
  if (c.empty() || is(c, "identity")) return Coding::kPlain;
  if (is(c, "gzip") || is(c, "x-gzip") || is(c, "deflate")) return Coding::kInflate;
  return Coding::kUnreadable;  // br, zstd, or two codings stacked
}

std::string readable_codings(std::string_view accept_encoding) {
  std::string out;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    const std::string_view item = trim(accept_encoding.substr(0, comma), kOws);
    const std::string_view coding = trim(item.substr(0, item.find(';')), kOws);
    if (!coding.empty() && coding_of(coding) != Coding::kUnreadable)
      out += (out.empty() ? "" : ", ") + std::string(item);
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace mcpr
