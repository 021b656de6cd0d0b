// Protobuf messages as JSON for the REST gateway, fast: the proto3 JSON
// mapping with the options the gateway uses (proto field names, fields at
// their defaults printed, compact), written straight from reflection rather
// than through protobuf's binary-to-JSON converter (which dominated the
// gateway's profile). Messages holding well-known types go through protobuf's
// own printer.
// Pure functions over a shared, locked cache of field layouts: thread-safe.
#ifndef ARENA_CONTROLLER_GATEWAY_JSON_WRITER_H_
#define ARENA_CONTROLLER_GATEWAY_JSON_WRITER_H_

#include <string>

namespace google::protobuf {
class Message;
}

namespace arena {

// Appends `message` as one JSON object to `out`.
void AppendJson(const google::protobuf::Message& message, std::string* out);

}  // namespace arena

#endif  // ARENA_CONTROLLER_GATEWAY_JSON_WRITER_H_
