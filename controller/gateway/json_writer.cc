#include "controller/gateway/json_writer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/json_string.h"

namespace arena {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

template <typename Float>
void AppendFloat(Float value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out->append(buffer, result.ptr);
  }
}

bool UsesWellKnownTypes(const Descriptor* descriptor, int depth = 0) {
  if (depth > 32) return true;  // let protobuf deal with deep recursion
  if (absl::StartsWith(descriptor->full_name(), "google.protobuf.")) return true;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->message_type() != nullptr && field->message_type() != descriptor &&
        UsesWellKnownTypes(field->message_type(), depth + 1)) {
      return true;
    }
  }
  return false;
}

void AppendMessage(const Message& message, std::string* out);

// An enum value by name (its number when the name is unknown).
void AppendEnum(const Message& message, const FieldDescriptor* field, int index, std::string* out) {
  const Reflection* r = message.GetReflection();
  int number =
      index >= 0 ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field);
  const auto* value = field->enum_type()->FindValueByNumber(number);
  if (value != nullptr) {
    AppendJsonString(value->name(), out);
  } else {
    absl::StrAppend(out, number);
  }
}

// A string field as a JSON string, a bytes field as base64.
void AppendText(const Message& message, const FieldDescriptor* field, int index, std::string* out) {
  const Reflection* r = message.GetReflection();
  std::string scratch;
  const std::string& text = index >= 0
                                ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                : r->GetStringReference(message, field, &scratch);
  if (field->type() == FieldDescriptor::TYPE_BYTES) {
    absl::StrAppend(out, "\"", absl::Base64Escape(text), "\"");
  } else {
    AppendJsonString(text, out);
  }
}

// One value of `field` (the element `index` of a repeated field, or -1).
void AppendValue(const Message& message, const FieldDescriptor* field, int index,
                 std::string* out) {
  const Reflection* r = message.GetReflection();
  bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(
          out, repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated ? r->GetRepeatedUInt32(message, field, index)
                                    : r->GetUInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(
          out, "\"",
          repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field),
          "\"");
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(
          out, "\"",
          repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field),
          "\"");
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendFloat(
          repeated ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field),
          out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloat(
          repeated ? r->GetRepeatedFloat(message, field, index) : r->GetFloat(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append(
          (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
              ? "true"
              : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      AppendEnum(message, field, index, out);
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      AppendText(message, field, index, out);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(
          repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field),
          out);
      break;
  }
}

// A map entry's key as a JSON object key.
void AppendMapKey(const Message& entry, const FieldDescriptor* key, std::string* out) {
  if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    AppendValue(entry, key, -1, out);
    return;
  }
  std::string text;
  AppendValue(entry, key, -1, &text);
  if (text.front() != '"') text = absl::StrCat("\"", text, "\"");
  out->append(text);
}

void AppendMessage(const Message& message, std::string* out) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  out->push_back('{');
  bool first = true;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    // Fields with presence (oneof members, singular messages) only when set.
    bool presence =
        field->containing_oneof() != nullptr ||
        (!field->is_repeated() && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) ||
        field->has_optional_keyword();
    if (presence && !r->HasField(message, field)) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(field->name(), out);
    out->push_back(':');
    if (field->is_map()) {
      const FieldDescriptor* key = field->message_type()->map_key();
      const FieldDescriptor* value = field->message_type()->map_value();
      out->push_back('{');
      int n = r->FieldSize(message, field);
      for (int k = 0; k < n; ++k) {
        const Message& entry = r->GetRepeatedMessage(message, field, k);
        if (k > 0) out->push_back(',');
        AppendMapKey(entry, key, out);
        out->push_back(':');
        AppendValue(entry, value, -1, out);
      }
      out->push_back('}');
    } else if (field->is_repeated()) {
      out->push_back('[');
      int n = r->FieldSize(message, field);
      for (int k = 0; k < n; ++k) {
        if (k > 0) out->push_back(',');
        AppendValue(message, field, k, out);
      }
      out->push_back(']');
    } else {
      AppendValue(message, field, -1, out);
    }
  }
  out->push_back('}');
}

}  // namespace

void AppendJson(const Message& message, std::string* out) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* known = new absl::flat_hash_map<const Descriptor*, bool>();
  bool well_known;
  {
    absl::MutexLock lock(&mu);
    auto [it, added] = known->try_emplace(message.GetDescriptor(), false);
    if (added) it->second = UsesWellKnownTypes(message.GetDescriptor());
    well_known = it->second;
  }
  if (well_known) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(message, &json, options);
    out->append(json);
    return;
  }
  AppendMessage(message, out);
}

}  // namespace arena
