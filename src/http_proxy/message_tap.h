// The JSON-RPC messages in what crosses the HTTP proxy, found on a copy as
// the bytes pass (man page HTTP PROXY): a body that is one message (a POST's
// body, an application/json response), or the data of each event of a
// text/event-stream. Messages of kMaxParsedLine bytes or more are kept only
// by their first and last kLineEdge bytes, as the stdio proxy keeps its long
// lines. Pure logic: no I/O, no threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcpr {

struct TappedMessage {
  std::string text;  // the message; a long one's first bytes
  std::string tail;  // a long one's last bytes
  size_t size = 0;
  bool cut = false;  // too long to keep whole: text and tail are its ends
  // A request's: the W3C trace context headers of the HTTP request that
  // carried it ("" for none).
  std::string traceparent, tracestate;
};

// The text of one message, kept whole up to the limit and by its two ends
// beyond.
class MessageText {
 public:
  void append(std::string_view part);
  bool empty() const { return size_ == 0; }
  // The message so far; the text is emptied for the next one.
  TappedMessage take();

 private:
  std::string text_;  // whole, or the head once too long
  std::string tail_;
  size_t size_ = 0;
};

// The data of each event of an SSE stream (the WHATWG event-stream format:
// lines end in CR, LF or CRLF, "data:" lines of an event are joined with
// LF, a blank line ends the event, ":" starts a comment), fed in chunks as
// they arrive.
class SseTap {
 public:
  // Appends each event completed by `chunk` to `out`.
  void feed(std::string_view chunk, std::vector<TappedMessage>* out);

 private:
  void end_of_line(std::vector<TappedMessage>* out);

  enum State { kLineStart, kField, kValueStart, kValue, kSkip } state_ = kLineStart;
  bool after_cr_ = false;    // the last byte was CR: an LF next ends no line
  size_t bom_seen_ = 0;      // bytes of a leading UTF-8 BOM matched so far
  bool started_ = false;
  std::string field_;        // the current line's field name (capped)
  bool data_field_ = false;  // the current line is "data"
  bool event_has_data_ = false;
  MessageText data_;
};

// The recorder's copy of a response the server compressed (Content-Encoding
// gzip, x-gzip or deflate), inflated as it arrives. The bytes forwarded stay
// the server's.
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Appends what `compressed` inflates to to `out`; false once the data
  // proved not to be what its coding said (nothing more comes out then).
  bool feed(std::string_view compressed, std::string* out);

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  bool failed_ = false;
};

// Whether the recorder can read a body of this Content-Encoding: none,
// identity, or one the Inflater takes.
enum class Coding { kPlain, kInflate, kUnreadable };
Coding coding_of(std::string_view content_encoding);

// An Accept-Encoding value without the codings coding_of() cannot read
// (br, zstd, ...): what the proxy asks a server for on its MCP endpoint, so
// that every response there can be recorded. "" when none is left.
std::string readable_codings(std::string_view accept_encoding);

}  // namespace mcpr
