#include "src/proxy/json_schema.h"

#include <cmath>
#include <set>
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
// verdict is kUnknown. (A value nests at most 500 deep in a JsonTree.)
constexpr int kMaxDepth = 512;
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

// A number both readers hold as the same value: within 2^53 when written
// as an integer (Python's int is exact beyond it, a JavaScript number is
// not); a number written with a fraction or an exponent beyond a double is
// Infinity to both. Not NaN.
bool exact_number(const Node* n, double* out) {
  if (!JsonTree::is(n, Kind::kNumber)) return false;
  const auto v = message_keys_detail::number_of(n->text);
  if (std::isnan(v.value) || n->text.find_first_of("IN") != std::string_view::npos ||
      (v.plain && std::fabs(v.value) > 9007199254740991.0))
    return false;
  *out = v.value;
  return true;
}

// A count a keyword takes (minLength, maxItems, ...): a whole number >= 0.
bool count_of(const Node* n, double* out) {
  return exact_number(n, out) && std::isfinite(*out) && *out >= 0 && *out == std::trunc(*out);
}

// The characters of a string as both count them (JavaScript's ajv counts a
// surrogate pair as one, Python counts code points): false when it is not
// UTF-8. Node reads each bad sequence as one or more U+FFFD, and a lone
// surrogate as JsonTree keeps it (ED A0 80) may have come as its escape
// (one character) or as those three bytes (three): neither is counted.
bool characters(std::string_view s, double* out) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    uint32_t c = 0;
    const size_t n = decode_utf8(s, i, &c);
    if (n == 0) return false;
    i += n;
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
                     "definitions", "$defs", "$anchor", "$dynamicAnchor"});
}

// Keywords one of the two libraries reads (or reads otherwise than the
// other, by draft) that are not read here: a verdict that needs them is
// not known.
bool not_read_here(std::string_view key) {
  return among(key, {"pattern", "patternProperties", "propertyNames", "dependencies",
                     "dependentRequired", "dependentSchemas", "if", "then", "else", "contains",
                     "minContains", "maxContains", "prefixItems", "additionalItems",
                     "unevaluatedItems", "unevaluatedProperties", "$dynamicRef",
                     "$recursiveRef", "$recursiveAnchor", "$vocabulary", "contentSchema",
                     "nullable", "discriminator", "$id", "$schema"});
}

class Checker {
 public:
  // `draft7`: the schema's $schema names draft-07. `nested_id`: whether an
  // $id stands below the schema's root, if already known (-1: not yet).
  Checker(SchemaReader reader, const JsonTree& schema, const JsonTree& values, bool draft7 = false,
          int nested_id = -1)
      : reader_(reader), schema_(schema), values_(values), draft7_(draft7),
        nested_id_(nested_id) {}

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

  // Whether every $ref string of the schema resolves here, no $id standing
  // below its root.
  bool all_refs_resolve() {
    if (nested_id()) return false;
    std::vector<const Node*> todo{schema_.root()};
    while (!todo.empty()) {
      const Node* n = todo.back();
      todo.pop_back();
      for (const Node* c = schema_.first(n); c; c = schema_.next(c)) {
        if (JsonTree::is(n, Kind::kObject) && c->key == "$ref" && JsonTree::is(c, Kind::kString) &&
            !resolve(c))
          return false;
        todo.push_back(c);
      }
    }
    return true;
  }

  V check(const Node* s, const Node* v, int depth, bool root = false) {
    if (++steps_ > kMaxSteps || depth > kMaxDepth) return V::kUnknown;
    if (JsonTree::is(v, Kind::kCut) || JsonTree::is(v, Kind::kDeep)) return V::kUnknown;
    if (JsonTree::is(s, Kind::kBool)) return verdict(s->text == "true");
    if (!JsonTree::is(s, Kind::kObject)) return V::kUnknown;  // no schema
    V out = V::kMatches;
    if (const Node* ref = member(schema_, s, "$ref")) {
      const Node* target = nested_id() ? nullptr : resolve(ref);
      out = target ? check(target, v, depth + 1) : V::kUnknown;
      // Beside a $ref, ajv (v8) and jsonschema's 2020-12 apply the other
      // keywords too; jsonschema's draft-07 ignores them.
      if (reader_ == SchemaReader::kJsonschema && draft7_) return out;
    }
    for (const Node* k = schema_.first(s); k && out != V::kFails; k = schema_.next(k)) {
      if (!counts(schema_, s, k)) continue;  // a repeated key: the last counts
      if ((root && root_keyword(k->key)) || k->key == "$ref") continue;
      out = all_of(out, keyword(s, k->key, k, v, depth));
    }
    return out;
  }

 private:
  static bool root_keyword(std::string_view key) { return key == "$schema" || key == "$id"; }
  // Past the step bound every verdict is kUnknown: loops end there.
  bool spent() const { return steps_ > kMaxSteps; }

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
        // ajv's test (!(x % 1)) takes Infinity; Python's is_integer() not.
        if (std::isinf(x)) return verdict(reader_ == SchemaReader::kAjv);
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
  // or nullptr for any other reference. As both libraries read it: split at
  // each "/", then each part percent-decoded, then ~1 read as "/" and ~0
  // as "~" (anything else after a "~" is kept as it is).
  const Node* resolve(const Node* ref) {
    std::string_view r = JsonTree::string(ref);
    if (r.empty() || r[0] != '#') return nullptr;
    const Node* at = schema_.root();
    r.remove_prefix(1);
    if (r.empty()) return at;
    if (r[0] != '/') return nullptr;  // an anchor
    while (!r.empty()) {
      r.remove_prefix(1);  // the "/"
      const std::string_view part = r.substr(0, r.find('/'));
      r.remove_prefix(part.size());
      std::string token;
      for (size_t i = 0; i < part.size(); ++i) {
        if (part[i] != '%') {
          token += part[i];
          continue;
        }
        if (i + 2 >= part.size() || !std::isxdigit(static_cast<unsigned char>(part[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(part[i + 2])))
          return nullptr;  // not a URI: ajv refuses the schema
        token += static_cast<char>(std::stoi(std::string(part.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      }
      for (size_t i = 0; (i = token.find("~1", i)) != std::string::npos;) token.replace(i, 2, "/"), ++i;
      for (size_t i = 0; (i = token.find("~0", i)) != std::string::npos;) token.replace(i, 2, "~"), ++i;
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
    }
    return at;
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
      if (std::isinf(x)) return V::kFails;  // Infinity / d and Infinity % d are no whole numbers
      if (x != std::trunc(x)) return std::fabs(x) < 1e9 ? V::kFails : V::kUnknown;
      if (std::fabs(x) > 9007199254740991.0) return V::kUnknown;
      return verdict(std::fmod(x, divisor) == 0);
    }
    if (key == "uniqueItems") {
      if (!JsonTree::is(k, Kind::kBool)) return V::kUnknown;
      if (k->text != "true" || !array) return V::kMatches;
      V out = V::kMatches;
      for (const Node* a = values_.first(v); a && out != V::kFails; a = values_.next(a))
        for (const Node* b = values_.next(a); b && out != V::kFails; b = values_.next(b)) {
          if (spent()) return V::kUnknown;
          out = all_of(out, negated(equal(values_, a, values_, b)));
        }
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
  bool draft7_;
  uint64_t steps_ = 0;
  int nested_id_;  // -1: not looked for yet
  std::unordered_map<const Node*, Members> members_;  // of the objects looked into
};

}  // namespace

namespace {

// Names every JavaScript object has (Object.prototype's): ajv tests a
// member with data[name] !== undefined, so to it they are members of every
// object; and the TypeScript SDK's zod drops a member named "__proto__".
bool prototype_name(std::string_view name) {
  return among(name, {"__proto__", "constructor", "toString", "toLocaleString", "valueOf",
                      "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
                      "__defineGetter__", "__defineSetter__", "__lookupGetter__",
                      "__lookupSetter__"});
}

// Whether any member name (and, with `strings`, any string) of `from` and
// what it holds is one of those.
bool names_a_prototype_member(const JsonTree& tree, const Node* from, bool strings) {
  std::vector<const Node*> todo{from};
  while (!todo.empty()) {
    const Node* n = todo.back();
    todo.pop_back();
    if (strings && JsonTree::is(n, Kind::kString) && prototype_name(n->text)) return true;
    for (const Node* c = tree.first(n); c; c = tree.next(c)) {
      if (JsonTree::is(n, Kind::kObject) && prototype_name(c->key)) return true;
      todo.push_back(c);
    }
  }
  return false;
}

// A schema's form (json_schema.h), vetted keyword by keyword.

class FormChecker {
 public:
  explicit FormChecker(const JsonTree& schema) : schema_(schema) {}

  SchemaForm form() {
    visit(schema_.root(), true);
    return form_;
  }

 private:
  void malformed() { form_ = SchemaForm::kMalformed; }
  void unknown() {
    if (form_ == SchemaForm::kWellFormed) form_ = SchemaForm::kUnknown;
  }

  void visit(const Node* s, bool root = false) {
    if (++steps_ > kMaxSteps) return unknown();
    if (JsonTree::is(s, Kind::kBool)) return;
    if (!JsonTree::is(s, Kind::kObject)) return malformed();
    for (const Node* k = schema_.first(s); k; k = schema_.next(k)) keyword(k->key, k, root);
  }
  void schemas(const Node* list, bool non_empty) {  // allOf, anyOf, oneOf
    if (!JsonTree::is(list, Kind::kArray) || (non_empty && list->size == 0)) return malformed();
    for (const Node* s = schema_.first(list); s; s = schema_.next(s)) visit(s);
  }
  void schema_map(const Node* map, bool or_unknown) {  // properties, $defs, definitions
    if (!JsonTree::is(map, Kind::kObject)) return or_unknown ? unknown() : malformed();
    for (const Node* s = schema_.first(map); s; s = schema_.next(s)) visit(s);
  }
  static bool is_string(const Node* n) { return JsonTree::is(n, Kind::kString); }

  void keyword(std::string_view key, const Node* k, bool root) {
    using message_keys_detail::number_of;
    const bool number = JsonTree::is(k, Kind::kNumber);
    const auto n = number ? number_of(k->text) : message_keys_detail::Number{0, false, false, false};
    if (root && (key == "$schema" || key == "$id")) return is_string(k) ? void() : malformed();
    if (key == "type") {
      const auto known = [](std::string_view t) {
        return among(t, {"null", "boolean", "object", "array", "number", "integer", "string"});
      };
      if (is_string(k)) return known(k->text) ? void() : malformed();
      if (!JsonTree::is(k, Kind::kArray) || k->size == 0) return malformed();
      for (const Node* t = schema_.first(k); t; t = schema_.next(t))
        for (const Node* u = schema_.next(t); u && is_string(t); u = schema_.next(u))
          if (is_string(u) && t->text == u->text) return malformed();
      for (const Node* t = schema_.first(k); t; t = schema_.next(t))
        if (!is_string(t) || !known(t->text)) return malformed();
      return;
    }
    if (key == "enum" || key == "examples") return JsonTree::is(k, Kind::kArray) ? void() : malformed();
    if (key == "const" || key == "default") return;
    if (key == "properties") return schema_map(k, false);
    if (key == "$defs" || key == "definitions") return schema_map(k, true);
    if (key == "required") {
      if (!JsonTree::is(k, Kind::kArray)) return malformed();
      std::set<std::string_view> names;
      for (const Node* r = schema_.first(k); r; r = schema_.next(r))
        if (!is_string(r) || !names.insert(r->text).second) return malformed();
      return;
    }
    if (key == "additionalProperties" || key == "not") return visit(k);
    if (key == "items") return JsonTree::is(k, Kind::kArray) ? unknown() : visit(k);
    if (among(key, {"allOf", "anyOf", "oneOf"})) return schemas(k, true);
    if (among(key, {"minItems", "maxItems", "minLength", "maxLength", "minProperties",
                    "maxProperties"})) {
      if (number && n.plain && !n.safe && n.whole) return unknown();  // Python's exact int
      return number && n.whole && n.value >= 0 ? void() : malformed();
    }
    if (among(key, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}))
      return number && !std::isnan(n.value) ? void() : malformed();
    if (key == "multipleOf") return number && n.value > 0 ? void() : malformed();
    if (key == "uniqueItems" || key == "readOnly" || key == "writeOnly")
      return JsonTree::is(k, Kind::kBool) ? void() : malformed();
    if (key == "deprecated") return JsonTree::is(k, Kind::kBool) ? void() : unknown();
    // An anchor no "#name" $ref here resolves (which makes its verdict not
    // known): 2020-12 wants it a name.
    if (key == "$anchor" || key == "$dynamicAnchor") {
      const std::string_view a = JsonTree::string(k);
      const auto first = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
      bool name = !a.empty() && first(a[0]);
      for (char c : a)
        name = name && (first(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
                        c == '.');
      return name ? void() : unknown();
    }
    if (among(key, {"$ref", "format", "title", "description", "$comment", "contentMediaType",
                    "contentEncoding"}))
      return is_string(k) ? void() : malformed();
    if (not_read_here(key)) return unknown();
  }

  const JsonTree& schema_;
  SchemaForm form_ = SchemaForm::kWellFormed;
  uint64_t steps_ = 0;
};

}  // namespace

JsonSchema::JsonSchema(const JsonTree& schema)
    : schema_(schema), form_(FormChecker(schema).form()) {
  const Node* root = schema.root();
  if (!root) return;
  // ajv reads every member as its own, and caches a schema by its $id
  // across listings: which one it checks with is not known.
  const bool id = schema.member(root, "$id") != nullptr;
  ajv_reads_ = form_ == SchemaForm::kWellFormed && !id && !names_a_prototype_member(schema, root, true);
  // The draft: jsonschema reads draft-07's and 2020-12's alike here, and a
  // schema without $schema as 2020-12; ajv (validateSchema off) reads any
  // as draft-07.
  if (const Node* draft = schema.member(root, "$schema")) {
    std::string_view name = JsonTree::string(draft);
    if (!name.empty() && name.back() == '#') name.remove_suffix(1);
    draft_ = name == "http://json-schema.org/draft-07/schema"          ? Draft::k07
             : name == "https://json-schema.org/draft/2020-12/schema" ? Draft::k202012
                                                                       : Draft::kOther;
  }
  JsonTree none;
  Checker refs(SchemaReader::kAjv, schema, none);
  nested_id_ = refs.nested_id();
  // ajv throws on a $ref it cannot resolve ("can't resolve reference").
  ajv_compiles_ = form_ == SchemaForm::kWellFormed && !id && refs.all_refs_resolve();
}

SchemaVerdict JsonSchema::check(SchemaReader reader, const JsonTree& values,
                                const Node* value) const {
  const Node* root = schema_.root();
  if (!root || !value) return V::kUnknown;
  if (reader == SchemaReader::kAjv) {
    if (!ajv_reads_ || names_a_prototype_member(values, value, false)) return V::kUnknown;
  } else {
    // The Python SDK's client checks the schema before the value.
    if (form_ == SchemaForm::kMalformed) return V::kFails;
    if (form_ == SchemaForm::kUnknown || draft_ == Draft::kOther) return V::kUnknown;
  }
  return Checker(reader, schema_, values, reader == SchemaReader::kJsonschema && draft_ == Draft::k07,
                 nested_id_)
      .check(root, value, 0, true);
}

SchemaVerdict check_json_schema(SchemaReader reader, const JsonTree& schema,
                                const JsonTree& values, const Node* value) {
  return JsonSchema(schema).check(reader, values, value);
}

}  // namespace mcpr
