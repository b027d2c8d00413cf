#include "src/proxy/json_schema.h"

#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/proxy/message_keys.h"
#include "src/util/utf8.h"

namespace mcpr {
namespace {

using Node = JsonTree::Node;
using Kind = JsonTree::Kind;
using V = SchemaVerdict;

// A schema that refers to itself ({"$ref": "#"}) or a value of many nested
// combinations must not take the tracker's thread for long: past these the
// verdict is kUnknown.
constexpr int kMaxDepth = 64;
constexpr uint64_t kMaxSteps = 200000;

// Three-valued logic: a verdict not known stays unknown unless the other
// side settles it.
V all_of(V a, V b) {
  if (a == V::kFails || b == V::kFails) return V::kFails;
  return a == V::kUnknown || b == V::kUnknown ? V::kUnknown : V::kMatches;
}
V any_of(V a, V b) {
  if (a == V::kMatches || b == V::kMatches) return V::kMatches;
  return a == V::kUnknown || b == V::kUnknown ? V::kUnknown : V::kFails;
}
V negated(V a) {
  return a == V::kUnknown ? a : a == V::kMatches ? V::kFails : V::kMatches;
}
V verdict(bool matches) { return matches ? V::kMatches : V::kFails; }

// A number both readers hold as the same value: finite, and within 2^53
// when written as an integer (Python's int is exact beyond it, a
// JavaScript number is not).
bool exact_number(const Node* n, double* out) {
  if (!JsonTree::is(n, Kind::kNumber)) return false;
  const auto v = message_keys_detail::number_of(n->text);
  if (!std::isfinite(v.value) || (v.plain && std::fabs(v.value) > 9007199254740991.0))
    return false;
  *out = v.value;
  return true;
}

// A count a keyword takes (minLength, maxItems, ...): a whole number >= 0.
bool count_of(const Node* n, double* out) {
  return exact_number(n, out) && *out >= 0 && *out == std::trunc(*out);
}

// The characters of a string as both count them (JavaScript's ajv counts a
// surrogate pair as one, Python counts code points): false when it holds a
// byte that is not UTF-8 (a lone surrogate, as JsonTree keeps it, is one).
bool characters(std::string_view s, double* out) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    uint32_t c = 0;
    if (size_t n = decode_utf8(s, i, &c); n > 0) {
      i += n;
    } else if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xed &&
               (static_cast<unsigned char>(s[i + 1]) & 0xe0) == 0xa0 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xc0) == 0x80) {
      i += 3;  // a lone surrogate
    } else {
      return false;
    }
  }
  *out = static_cast<double>(count);
  return true;
}

bool among(std::string_view key, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names)
    if (key == name) return true;
  return false;
}

// Read by neither library (annotations), or containers of schemas that are
// reached by $ref alone.
bool annotation(std::string_view key) {
  return among(key, {"title", "description", "default", "examples", "$comment", "readOnly",
                     "writeOnly", "deprecated", "contentMediaType", "contentEncoding",
                     "definitions", "$defs"});
}

// Keywords one of the two libraries reads (or reads otherwise than the
// other, by draft) that are not read here: a verdict that needs them is
// not known.
bool not_read_here(std::string_view key) {
  return among(key, {"pattern", "patternProperties", "propertyNames", "dependencies",
                     "dependentRequired", "dependentSchemas", "if", "then", "else", "contains",
                     "minContains", "maxContains", "prefixItems", "additionalItems",
                     "unevaluatedItems", "unevaluatedProperties", "$dynamicRef",
                     "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$anchor",
                     "$vocabulary", "contentSchema", "nullable", "discriminator", "$id",
                     "$schema"});
}

class Checker {
 public:
  Checker(SchemaReader reader, const JsonTree& schema, const JsonTree& values)
      : reader_(reader), schema_(schema), values_(values) {}

  V check(const Node* s, const Node* v, int depth, bool root = false) {
    if (++steps_ > kMaxSteps || depth > kMaxDepth) return V::kUnknown;
    if (JsonTree::is(v, Kind::kCut) || JsonTree::is(v, Kind::kDeep)) return V::kUnknown;
    if (JsonTree::is(s, Kind::kBool)) return verdict(s->text == "true");
    if (!JsonTree::is(s, Kind::kObject)) return V::kUnknown;  // no schema
    if (const Node* ref = member(schema_, s, "$ref")) {
      // Beside a $ref, draft-07 ignores the other keywords and 2020-12
      // applies them: only annotations may stand there.
      for (const Node* k = schema_.first(s); k; k = schema_.next(k))
        if (k->key != "$ref" && !annotation(k->key) && !(root && root_keyword(k->key)))
          return V::kUnknown;
      const Node* target = nested_id() ? nullptr : resolve(ref);
      return target ? check(target, v, depth + 1) : V::kUnknown;
    }
    V out = V::kMatches;
    for (const Node* k = schema_.first(s); k && out != V::kFails; k = schema_.next(k)) {
      if (!counts(schema_, s, k)) continue;  // a repeated key: the last counts
      if (root && root_keyword(k->key)) continue;
      out = all_of(out, keyword(s, k->key, k, v, depth));
    }
    return out;
  }

 private:
  static bool root_keyword(std::string_view key) { return key == "$schema" || key == "$id"; }

  // Whether an $id stands below the root: it makes a base URI of its own
  // for the $refs under it, so then no $ref is resolved here.
  bool nested_id() {
    if (nested_id_ >= 0) return nested_id_;
    nested_id_ = 0;
    std::vector<const Node*> todo;
    for (const Node* n = schema_.first(schema_.root()); n; n = schema_.next(n)) todo.push_back(n);
    while (!todo.empty() && !nested_id_) {
      const Node* n = todo.back();
      todo.pop_back();
      for (const Node* c = schema_.first(n); c; c = schema_.next(c)) {
        if (JsonTree::is(n, Kind::kObject) && c->key == "$id") nested_id_ = 1;
        todo.push_back(c);
      }
    }
    return nested_id_;
  }

  // Whether `v` is of the JSON Schema type `name`.
  V type_is(std::string_view name, const Node* v) {
    switch (v->kind) {
      case Kind::kNull: return verdict(name == "null");
      case Kind::kBool: return verdict(name == "boolean");
      case Kind::kString: return verdict(name == "string");
      case Kind::kArray: return verdict(name == "array");
      case Kind::kObject: return verdict(name == "object");
      case Kind::kNumber: {
        if (name == "number") return V::kMatches;
        if (name != "integer") return V::kFails;
        double x = 0;
        if (!exact_number(v, &x)) return V::kUnknown;
        return verdict(x == std::trunc(x));
      }
      default: return V::kUnknown;
    }
  }

  // Equal as both libraries compare JSON: numbers by value (1 and 1.0),
  // objects by their members in any order, true never 1. `a` is of tree
  // `ta`, `b` of `tb`.
  V equal(const JsonTree& ta, const Node* a, const JsonTree& tb, const Node* b) {
    if (++steps_ > kMaxSteps) return V::kUnknown;
    const auto unknowable = [](const Node* n) {
      return n->kind == Kind::kCut || n->kind == Kind::kDeep;
    };
    if (unknowable(a) || unknowable(b)) return V::kUnknown;
    if (a->kind != b->kind) return V::kFails;
    switch (a->kind) {
      case Kind::kNumber: {
        double x = 0, y = 0;
        if (!exact_number(a, &x) || !exact_number(b, &y)) return V::kUnknown;
        return verdict(x == y);
      }
      case Kind::kString: {
        double ignored = 0;
        if (!characters(a->text, &ignored) || !characters(b->text, &ignored)) return V::kUnknown;
        return verdict(a->text == b->text);
      }
      case Kind::kArray: {
        if (a->size != b->size) return V::kFails;
        V out = V::kMatches;
        for (const Node *x = ta.first(a), *y = tb.first(b); x && y && out != V::kFails;
             x = ta.next(x), y = tb.next(y))
          out = all_of(out, equal(ta, x, tb, y));
        return out;
      }
      case Kind::kObject: {
        const Members& xs = members_of(ta, a);
        const Members& ys = members_of(tb, b);
        if (xs.size() != ys.size()) return V::kFails;
        V out = V::kMatches;
        for (auto x = xs.begin(); x != xs.end() && out != V::kFails; ++x) {
          auto y = ys.find(x->first);
          out = y == ys.end() ? V::kFails : all_of(out, equal(ta, x->second, tb, y->second));
        }
        return out;
      }
      default:  // null, true, false
        return verdict(a->text == b->text);
    }
  }

  // The members of an object by name, a repeated name once, its last
  // value (as JSON.parse and Python keep it): made once per object, each
  // member a step.
  using Members = std::unordered_map<std::string_view, const Node*>;
  const Members& members_of(const JsonTree& tree, const Node* object) {
    auto [it, made] = members_.try_emplace(object);
    if (made) {
      for (const Node* n = tree.first(object); n; n = tree.next(n)) {
        ++steps_;
        it->second[n->key] = n;
      }
    }
    return it->second;
  }
  const Node* member(const JsonTree& tree, const Node* object, std::string_view key) {
    if (!JsonTree::is(object, Kind::kObject)) return nullptr;
    const Members& members = members_of(tree, object);
    auto it = members.find(key);
    return it == members.end() ? nullptr : it->second;
  }
  // Whether member `n` of `object` is the one that counts (the last of its name).
  bool counts(const JsonTree& tree, const Node* object, const Node* n) {
    return member(tree, object, n->key) == n;
  }

  // The schema a "#..." $ref points at (a JSON pointer in a URI fragment),
  // or nullptr for any other reference.
  const Node* resolve(const Node* ref) {
    std::string_view r = JsonTree::string(ref);
    if (r.empty() || r[0] != '#') return nullptr;
    std::string pointer;
    for (size_t i = 1; i < r.size(); ++i) {
      if (r[i] != '%') {
        pointer += r[i];
        continue;
      }
      if (i + 2 >= r.size() || !std::isxdigit(static_cast<unsigned char>(r[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(r[i + 2])))
        return nullptr;
      pointer += static_cast<char>(std::stoi(std::string(r.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
    const Node* at = schema_.root();
    if (pointer.empty()) return at;
    if (pointer[0] != '/') return nullptr;  // an anchor
    size_t start = 1;
    for (;;) {
      const size_t end = std::min(pointer.find('/', start), pointer.size());
      std::string token;
      for (size_t i = start; i < end; ++i) {
        if (pointer[i] != '~') {
          token += pointer[i];
        } else if (i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
          token += pointer[++i] == '0' ? '~' : '/';
        } else {
          return nullptr;
        }
      }
      if (JsonTree::is(at, Kind::kObject)) {
        at = member(schema_, at, token);
      } else if (JsonTree::is(at, Kind::kArray) && !token.empty() && token.size() < 9 &&
                 token.find_first_not_of("0123456789") == std::string::npos &&
                 (token == "0" || token[0] != '0')) {
        size_t index = std::stoul(token);
        at = schema_.first(at);
        while (at && index-- > 0) at = schema_.next(at);
      } else {
        return nullptr;
      }
      if (!at) return nullptr;
      if (end == pointer.size()) return at;
      start = end + 1;
    }
  }

  // What one keyword `key` (value `k`) of schema `s` says of `v`.
  V keyword(const Node* s, std::string_view key, const Node* k, const Node* v, int depth) {
    if (annotation(key)) return V::kMatches;
    if (not_read_here(key)) return V::kUnknown;
    const bool array = JsonTree::is(v, Kind::kArray), object = JsonTree::is(v, Kind::kObject),
               string = JsonTree::is(v, Kind::kString), number = JsonTree::is(v, Kind::kNumber);
    if (key == "type") {
      if (JsonTree::is(k, Kind::kString)) return known_type(k->text) ? type_is(k->text, v) : V::kUnknown;
      if (!JsonTree::is(k, Kind::kArray) || k->size == 0) return V::kUnknown;
      V out = V::kFails;
      for (const Node* t = schema_.first(k); t; t = schema_.next(t)) {
        if (!JsonTree::is(t, Kind::kString) || !known_type(t->text)) return V::kUnknown;
        out = any_of(out, type_is(t->text, v));
      }
      return out;
    }
    if (key == "enum") {
      if (!JsonTree::is(k, Kind::kArray) || k->size == 0) return V::kUnknown;
      V out = V::kFails;
      for (const Node* e = schema_.first(k); e && out != V::kMatches; e = schema_.next(e))
        out = any_of(out, equal(schema_, e, values_, v));
      return out;
    }
    if (key == "const") return equal(schema_, k, values_, v);
    if (key == "properties") {
      if (!JsonTree::is(k, Kind::kObject)) return V::kUnknown;
      if (!object) return V::kMatches;
      V out = V::kMatches;
      for (const Node* p = schema_.first(k); p && out != V::kFails; p = schema_.next(p)) {
        if (!counts(schema_, k, p)) continue;
        if (const Node* m = member(values_, v, p->key)) out = all_of(out, check(p, m, depth + 1));
      }
      return out;
    }
    if (key == "required") {
      if (!JsonTree::is(k, Kind::kArray)) return V::kUnknown;
      bool all = true;
      for (const Node* name = schema_.first(k); name; name = schema_.next(name)) {
        if (!JsonTree::is(name, Kind::kString)) return V::kUnknown;
        all = all && (!object || member(values_, v, name->text));
      }
      return verdict(all);
    }
    if (key == "additionalProperties") {
      // (Beside patternProperties, which is not read, the members it
      // applies to are not known.)
      const Node* properties = member(schema_, s, "properties");
      if ((properties && !JsonTree::is(properties, Kind::kObject)) ||
          member(schema_, s, "patternProperties") ||
          !(JsonTree::is(k, Kind::kObject) || JsonTree::is(k, Kind::kBool)))
        return V::kUnknown;
      if (!object) return V::kMatches;
      V out = V::kMatches;
      for (const Node* m = values_.first(v); m && out != V::kFails; m = values_.next(m)) {
        if (!counts(values_, v, m) || member(schema_, properties, m->key)) continue;
        out = all_of(out, check(k, m, depth + 1));
      }
      return out;
    }
    if (key == "items") {
      if (!JsonTree::is(k, Kind::kObject) && !JsonTree::is(k, Kind::kBool)) return V::kUnknown;
      if (!array) return V::kMatches;
      V out = V::kMatches;
      for (const Node* item = values_.first(v); item && out != V::kFails; item = values_.next(item))
        out = all_of(out, check(k, item, depth + 1));
      return out;
    }
    if (among(key, {"minItems", "maxItems", "minLength", "maxLength", "minProperties",
                    "maxProperties"})) {
      double bound = 0, size = 0;
      if (!count_of(k, &bound)) return V::kUnknown;
      if (key.find("Items") != std::string_view::npos) {
        if (!array) return V::kMatches;
        size = v->size;
      } else if (key.find("Length") != std::string_view::npos) {
        if (!string) return V::kMatches;
        if (!characters(v->text, &size)) return V::kUnknown;
      } else {
        if (!object) return V::kMatches;
        size = static_cast<double>(members_of(values_, v).size());
      }
      return verdict(key.substr(0, 3) == "min" ? size >= bound : size <= bound);
    }
    if (among(key, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) {
      double bound = 0, x = 0;
      if (!exact_number(k, &bound)) return V::kUnknown;  // draft-04's booleans too
      if (!number) return V::kMatches;
      if (!exact_number(v, &x)) return V::kUnknown;
      if (key == "minimum") return verdict(x >= bound);
      if (key == "maximum") return verdict(x <= bound);
      if (key == "exclusiveMinimum") return verdict(x > bound);
      return verdict(x < bound);
    }
    if (key == "multipleOf") {
      // A whole divisor: ajv's v / d and jsonschema's v % d then agree.
      double divisor = 0, x = 0;
      if (!count_of(k, &divisor) || divisor == 0) return V::kUnknown;
      if (!number) return V::kMatches;
      if (!exact_number(v, &x)) return V::kUnknown;
      if (x != std::trunc(x)) return std::fabs(x) < 1e9 ? V::kFails : V::kUnknown;
      if (std::fabs(x) > 9007199254740991.0) return V::kUnknown;
      return verdict(std::fmod(x, divisor) == 0);
    }
    if (key == "uniqueItems") {
      if (!JsonTree::is(k, Kind::kBool)) return V::kUnknown;
      if (k->text != "true" || !array) return V::kMatches;
      V out = V::kMatches;
      for (const Node* a = values_.first(v); a && out != V::kFails; a = values_.next(a))
        for (const Node* b = values_.next(a); b && out != V::kFails; b = values_.next(b))
          out = all_of(out, negated(equal(values_, a, values_, b)));
      return out;
    }
    if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!JsonTree::is(k, Kind::kArray) || k->size == 0) return V::kUnknown;
      V out = key == "anyOf" ? V::kFails : V::kMatches;
      int matched = 0, unknown = 0;
      for (const Node* sub = schema_.first(k); sub; sub = schema_.next(sub)) {
        const V one = check(sub, v, depth + 1);
        if (key == "allOf") out = all_of(out, one);
        if (key == "anyOf") out = any_of(out, one);
        matched += one == V::kMatches;
        unknown += one == V::kUnknown;
      }
      if (key != "oneOf") return out;
      if (matched > 1) return V::kFails;
      if (unknown > 0) return V::kUnknown;
      return verdict(matched == 1);
    }
    if (key == "not") return negated(check(k, v, depth + 1));
    // A format: ajv-formats asserts it, jsonschema (without a format
    // checker, as the Python SDK calls it) does not.
    if (key == "format") return reader_ == SchemaReader::kAjv ? V::kUnknown : V::kMatches;
    return V::kMatches;  // a keyword neither library knows
  }

  static bool known_type(std::string_view name) {
    return among(name, {"null", "boolean", "object", "array", "number", "integer", "string"});
  }

  SchemaReader reader_;
  const JsonTree& schema_;
  const JsonTree& values_;
  uint64_t steps_ = 0;
  int nested_id_ = -1;  // not looked for yet
  std::unordered_map<const Node*, Members> members_;  // of the objects looked into
};

}  // namespace

SchemaVerdict check_json_schema(SchemaReader reader, const JsonTree& schema,
                                const JsonTree& values, const JsonTree::Node* value) {
  const Node* root = schema.root();
  if (!root || !value) return V::kUnknown;
  // The draft: ajv (the Ajv class, draft-07) knows draft-07's $schema alone,
  // and caches a schema by its $id (two tools naming one $id share the first
  // one's); jsonschema reads draft-07's and 2020-12's alike here, and a
  // schema without $schema as 2020-12.
  if (const Node* draft = schema.member(root, "$schema")) {
    std::string_view name = JsonTree::string(draft);
    if (!name.empty() && name.back() == '#') name.remove_suffix(1);
    const bool draft7 = name == "http://json-schema.org/draft-07/schema";
    const bool draft2020 = name == "https://json-schema.org/draft/2020-12/schema";
    if (reader == SchemaReader::kAjv ? !draft7 : !(draft7 || draft2020)) return V::kUnknown;
  }
  if (reader == SchemaReader::kAjv && schema.member(root, "$id")) return V::kUnknown;
  return Checker(reader, schema, values).check(root, value, 0, true);
}

}  // namespace mcpr
